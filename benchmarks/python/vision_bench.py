#!/usr/bin/python3
"""PyTorch CPU baseline for org.gpt4roi.bench.VisionBenchmark.

Runs the CLIP ViT vision tower (HF CLIPVisionModel's math, written out with torch.nn.functional) on the
pixel values and weights that the Java benchmark wrote to one safetensors file, times it, and writes the
last hidden state so the Java side can check that both computed the same thing.

    /usr/bin/python3 vision_bench.py --weights W.safetensors --config config.json --layers 24 --runs 3 \
        --threads 2 --out hidden.f32

Prints one line: "torch <version> threads <n> seconds <t1> <t2> ... cpu <c1> <c2> ...": wall-clock and process CPU
seconds of each run, after a warm-up run (CPU time is the steadier number on a shared machine).
"""
import argparse
import json
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    """All F32 tensors of a safetensors file, copied into memory."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name + " is " + info["dtype"]
        begin, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.array(data[begin:end]).view("<f4").reshape(info["shape"]))
    return tensors


def vision_tower(w, pixels, cfg, layers):
    """pixels [3,S,S] -> hidden state `layers` [T,C] (CLS first)."""
    c, heads, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    hd = c // heads
    v = "vision_model."
    grid = F.conv2d(pixels[None], w[v + "embeddings.patch_embedding.weight"], stride=cfg["patch_size"])  # [1,C,G,G]
    tokens = torch.cat([w[v + "embeddings.class_embedding"][None], grid.flatten(2)[0].t()])          # [T,C]
    h = F.layer_norm(tokens + w[v + "embeddings.position_embedding.weight"], (c,),
                     w[v + "pre_layrnorm.weight"], w[v + "pre_layrnorm.bias"], eps)
    t = h.shape[0]
    for i in range(layers):
        p = v + "encoder.layers.%d." % i
        x = F.layer_norm(h, (c,), w[p + "layer_norm1.weight"], w[p + "layer_norm1.bias"], eps)
        q = F.linear(x, w[p + "self_attn.q_proj.weight"], w[p + "self_attn.q_proj.bias"]) * hd ** -0.5
        k = F.linear(x, w[p + "self_attn.k_proj.weight"], w[p + "self_attn.k_proj.bias"])
        val = F.linear(x, w[p + "self_attn.v_proj.weight"], w[p + "self_attn.v_proj.bias"])
        q, k, val = (z.view(t, heads, hd).transpose(0, 1) for z in (q, k, val))                     # [H,T,hd]
        attended = torch.softmax(q @ k.transpose(1, 2), dim=-1) @ val                               # [H,T,hd]
        attended = attended.transpose(0, 1).reshape(t, c)
        h = h + F.linear(attended, w[p + "self_attn.out_proj.weight"], w[p + "self_attn.out_proj.bias"])
        x = F.layer_norm(h, (c,), w[p + "layer_norm2.weight"], w[p + "layer_norm2.bias"], eps)
        m = F.linear(x, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"])
        m = m * torch.sigmoid(1.702 * m)
        h = h + F.linear(m, w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])
    return h


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", required=True, help="safetensors file: vision_model.* tensors and pixel_values [3,S,S]")
    ap.add_argument("--config", required=True, help="flat CLIP vision config.json")
    ap.add_argument("--layers", type=int, required=True, help="encoder layers to run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    ap.add_argument("--out", help="write the last hidden state here as raw little-endian float32")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    with open(args.config) as f:
        cfg = json.load(f)
    w = read_safetensors(args.weights)
    pixels = w.pop("pixel_values")
    wall, cpu = [], []
    with torch.no_grad():
        h = vision_tower(w, pixels, cfg, args.layers)  # warm-up
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            h = vision_tower(w, pixels, cfg, args.layers)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    if args.out:
        h.numpy().astype("<f4").tofile(args.out)
    print("torch %s threads %d seconds %s cpu %s" % (torch.__version__, torch.get_num_threads(),
                                                     " ".join("%.4f" % s for s in wall), " ".join("%.4f" % s for s in cpu)))


if __name__ == "__main__":
    main()
