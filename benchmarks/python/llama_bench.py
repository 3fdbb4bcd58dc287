#!/usr/bin/python3
"""PyTorch (CPU, float32) baseline for the LLaMA stage benchmark (LlamaBenchmark runs it).

A LLaMA decoder of the given shape with random weights: prefill of --prompt tokens as one batched
pass (the median of --passes timed passes), then --decode one-token steps with a preallocated KV
cache. Prints one JSON line with the tokens per second and the peak resident memory. Written for torch 1.13 (Debian's /usr/bin/python3).
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rope_tables(head_dim, positions, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(positions, dtype=torch.float32), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def rotate(x, cos, sin):                     # x [H, T, hd], rotate-half convention
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


class RandomLlama:
    def __init__(self, a):
        d, i, v = a.hidden, a.intermediate, a.vocab
        self.heads, self.eps = a.heads, 1e-6

        def lin(n, k):
            return (torch.rand(n, k) * 2 - 1) * (3.0 / k) ** 0.5

        self.embed = torch.randn(v, d)
        self.layers = [dict(ln1=torch.ones(d), q=lin(d, d), k=lin(d, d), v=lin(d, d), o=lin(d, d), ln2=torch.ones(d),
                            gate=lin(i, d), up=lin(i, d), down=lin(d, i)) for _ in range(a.layers)]
        self.norm = torch.ones(d)
        self.lm_head = lin(v, d)
        hd = d // a.heads
        capacity = a.prompt + a.decode
        self.cos, self.sin = rope_tables(hd, capacity, 10000.0)
        self.k_cache = torch.zeros(a.layers, a.heads, capacity, hd)
        self.v_cache = torch.zeros(a.layers, a.heads, capacity, hd)

    def forward(self, ids, start):
        t = ids.shape[0]
        h = self.embed[ids]                                   # [T, D]
        hd = h.shape[1] // self.heads
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]
        end = start + t
        causal = torch.full((t, end), float("-inf")).triu(start + 1)
        for j, w in enumerate(self.layers):
            x = rms_norm(h, w["ln1"], self.eps)
            q = F.linear(x, w["q"]).view(t, self.heads, hd).transpose(0, 1)
            k = F.linear(x, w["k"]).view(t, self.heads, hd).transpose(0, 1)
            v = F.linear(x, w["v"]).view(t, self.heads, hd).transpose(0, 1)
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
            self.k_cache[j, :, start:end] = k
            self.v_cache[j, :, start:end] = v
            scores = q @ self.k_cache[j, :, :end].transpose(1, 2) / hd ** 0.5 + causal
            attn = (scores.softmax(-1) @ self.v_cache[j, :, :end]).transpose(0, 1).reshape(t, -1)
            h = h + F.linear(attn, w["o"])
            x = rms_norm(h, w["ln2"], self.eps)
            h = h + F.linear(F.silu(F.linear(x, w["gate"])) * F.linear(x, w["up"]), w["down"])
        return F.linear(rms_norm(h[-1:], self.norm, self.eps), self.lm_head)[0]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--hidden", type=int, default=2048)
    p.add_argument("--intermediate", type=int, default=5504)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--layers", type=int, default=16)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--prompt", type=int, default=300)
    p.add_argument("--decode", type=int, default=8)
    p.add_argument("--warmup", type=int, default=1, help="untimed passes (prefill + 2 steps) before timing")
    p.add_argument("--passes", type=int, default=3, help="timed prefills (fresh cache each); the median is reported")
    p.add_argument("--threads", type=int, default=0, help="0 = torch's default")
    a = p.parse_args()
    if a.passes < 1 or a.warmup < 0:
        p.error("--passes must be at least 1 and --warmup at least 0")
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with torch.inference_mode():
        model = RandomLlama(a)
        ids = torch.randint(0, a.vocab, (a.prompt,))
        for _ in range(a.warmup):                              # warm-up, as the Java side does: a prefill
            warm = model.forward(ids, 0)                       # of the same length and two decode steps
            for n in range(2):
                warm = model.forward(torch.tensor([int(warm.argmax())]), a.prompt + n)
        passes = []
        for _ in range(a.passes):                              # each pass overwrites the cache from position 0
            t0 = time.perf_counter()
            logits = model.forward(ids, 0)
            passes.append(time.perf_counter() - t0)
        prefill = statistics.median(passes)
        print("  PyTorch timed prefill passes: %s s (median %.2f)" % (", ".join("%.2f" % t for t in passes), prefill),
              file=sys.stderr)
        token = int(logits.argmax())
        t0 = time.perf_counter()
        for n in range(a.decode):
            token = int(model.forward(torch.tensor([token]), a.prompt + n).argmax())
        decode = time.perf_counter() - t0
    print(json.dumps({
        "threads": torch.get_num_threads(),
        "prefill_tokens_per_s": a.prompt / prefill,
        "prefill_passes_s": passes,
        "decode_tokens_per_s": a.decode / decode,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
