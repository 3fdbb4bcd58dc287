#!/usr/bin/python3
"""Goldens for CpuAttentionTest, computed the way HF LLaMA (transformers 4.28) does in PyTorch.

Run with Debian's python3 (torch 1.13) from this directory:
    /usr/bin/python3 make_goldens.py
Writes goldens.bin in the record format of ../spatial/make_goldens.py.
"""
import math
import struct

import torch

torch.manual_seed(4321)
records = []


def put(name, tensor):
    records.append((name, tensor.detach().to(torch.float32).contiguous()))


def rotary(dim, positions, base=10000):
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
    t = torch.arange(positions, dtype=inv_freq.dtype)
    freqs = torch.einsum("i,j->ij", t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return inv_freq, emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


# inv_freq for the real model's head size (bit patterns matter: stored as float32).
inv_freq, cos, sin = rotary(128, 400)
put("inv_freq_128", inv_freq)

# RoPE on [T, H*hd] rows at positions start..start+T-1.
heads, hd, tokens, start = 3, 128, 5, 293
x = torch.randn(tokens, heads * hd)
xh = x.view(tokens, heads, hd).transpose(0, 1)           # [H, T, hd]
c, s = cos[start:start + tokens], sin[start:start + tokens]
y = (xh * c) + (rotate_half(xh) * s)
put("rope.x", x)
put("rope.params", torch.tensor([heads, start, 10000.0]))
put("rope.y", y.transpose(0, 1).reshape(tokens, heads * hd))

# Attention: scores q·kᵀ/sqrt(hd), HF additive causal mask, softmax in float32, · v.
heads, hd, tokens, keys = 3, 16, 5, 9
q, k, v = torch.randn(tokens, heads * hd), torch.randn(keys, heads * hd), torch.randn(keys, heads * hd)
qh, kh, vh = (t.view(-1, heads, hd).transpose(0, 1) for t in (q, k, v))
scores = torch.matmul(qh, kh.transpose(1, 2)) / math.sqrt(hd)
put("attn.q", q)
put("attn.k", k)
put("attn.v", v)
put("attn.params", torch.tensor([heads]))
put("attn.full", torch.matmul(torch.softmax(scores, dim=-1), vh).transpose(0, 1).reshape(tokens, heads * hd))
mask = torch.full((tokens, keys), torch.finfo(torch.float32).min)
for t in range(tokens):
    mask[t, : keys - tokens + t + 1] = 0
masked = torch.max(scores + mask, torch.tensor(torch.finfo(torch.float32).min))
put("attn.causal", torch.matmul(torch.softmax(masked, dim=-1), vh).transpose(0, 1).reshape(tokens, heads * hd))

with open("goldens.bin", "wb") as f:
    for name, t in records:
        encoded = name.encode("utf-8")
        f.write(struct.pack("<i", len(encoded)) + encoded)
        f.write(struct.pack("<i", t.dim()) + struct.pack("<%di" % t.dim(), *t.shape))
        f.write(t.numpy().astype("<f4").tobytes())
print("wrote", len(records), "records")
