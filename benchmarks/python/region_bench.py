#!/usr/bin/python3
"""PyTorch (CPU) baseline for org.gpt4roi.bench.RegionBenchmark.

Runs the GPT4RoI region module (pyramid + 5 fuse rounds once per image, then RoIAlign, pconvs,
flatten_linear, pos_embedd and updims for all boxes at once) in float32 with the weights and inputs
that the Java benchmark wrote, using the same thread count. Prints one JSON line of timings
(seconds) and writes its outputs (fused maps, region embeddings) so the Java side can compare.

  /usr/bin/python3 region_bench.py --weights W.safetensors --inputs I.safetensors --out O.safetensors \
      --threads 2 --boxes 1,8 --fuse-runs 2 --embed-runs 3
"""
import argparse
import json
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.ops import roi_align

PREFIX = "model.spi_module."
NP_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "F64": np.float64, "I64": np.int64, "I32": np.int32}
PYRAMID_SIZES = [128, 64, 32, 16]
SPATIAL_SCALES = [8 / 14, 4 / 14, 2 / 14, 1 / 14]


def read_safetensors(path):
    """All tensors of a safetensors file as float32 torch tensors (F16 upcast exactly)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = np.frombuffer(data[b:end], dtype=NP_DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(raw.astype(np.float32))
    return out


def write_safetensors(path, tensors):
    """float32 tensors → safetensors (header padded to 8 bytes)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def fuse(w, hidden, gn_groups, rounds=5):
    """4 × [257, C] hidden states → 4 fused maps [1, C, S, S]."""
    c = hidden[0].shape[1]
    shuffle, keep = c // 4, c - 2 * (c // 4)
    x = []
    for l, h in enumerate(hidden):
        grid = h[1:].reshape(16, 16, c).permute(2, 0, 1)[None]           # [1, C, 16, 16]
        s = PYRAMID_SIZES[l]
        p = F.interpolate(grid, size=(s, s), mode="bilinear", align_corners=True)
        lin = torch.linspace(-1, 1, s, dtype=torch.float64).float()
        xs, ys = lin[None, :].expand(s, s), lin[:, None].expand(s, s)
        p = torch.cat([p, xs[None, None], ys[None, None]], 1)
        x.append(F.conv2d(p, w[f"mlvl_fuse.input_conv.{l}.weight"], w[f"mlvl_fuse.input_conv.{l}.bias"]))
    for r in range(rounds):
        y = []
        for l in range(4):
            s = PYRAMID_SIZES[l]
            top, down = x[min(l + 1, 3)], x[max(l - 1, 0)]
            cat = torch.cat([
                x[l][:, :keep],
                F.interpolate(top[:, keep + shuffle:], size=(s, s), mode="bilinear", align_corners=True),
                F.interpolate(down[:, keep:keep + shuffle], size=(s, s), mode="bilinear", align_corners=True)], 1)
            z = F.conv2d(cat, w[f"mlvl_fuse.fuse_convs.{r}.conv.weight"], padding=1)
            z = F.group_norm(z, gn_groups, w[f"mlvl_fuse.fuse_convs.{r}.gn.weight"], w[f"mlvl_fuse.fuse_convs.{r}.gn.bias"], 1e-5)
            y.append(F.relu(z))
        x = y
    return x


def embed(w, fused, boxes):
    """fused maps + normalised boxes [K, 4] → region embeddings [K, D]."""
    k = boxes.shape[0]
    rois = torch.cat([torch.zeros(k, 1), boxes * 224], 1)
    acc = None
    for l in range(4):
        r = roi_align(fused[l], rois, 14, spatial_scale=SPATIAL_SCALES[l], sampling_ratio=2, aligned=True)
        p = F.conv2d(r, w[f"roi_align.pconvs.{l}.weight"], w[f"roi_align.pconvs.{l}.bias"], padding=1)
        acc = p if acc is None else acc + p
    flat = F.linear(F.relu(acc).flatten(1), w["roi_align.flatten_linear.weight"], w["roi_align.flatten_linear.bias"])
    pos = F.linear(boxes, w["roi_align.pos_embedd.0.weight"], w["roi_align.pos_embedd.0.bias"]).relu()
    pos = F.layer_norm(pos, pos.shape[1:], w["roi_align.pos_embedd.2.weight"], w["roi_align.pos_embedd.2.bias"], 1e-5)
    pos = F.linear(pos, w["roi_align.pos_embedd.3.weight"], w["roi_align.pos_embedd.3.bias"]).relu()
    pos = F.layer_norm(pos, pos.shape[1:], w["roi_align.pos_embedd.5.weight"], w["roi_align.pos_embedd.5.bias"], 1e-5)
    return F.linear(flat + pos, w["roi_align.updims.weight"], w["roi_align.updims.bias"])


def timed(fn, runs):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--boxes", default="1,8")
    ap.add_argument("--fuse-runs", type=int, default=2)
    ap.add_argument("--embed-runs", type=int, default=3)
    ap.add_argument("--gn-groups", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    w = {k[len(PREFIX):]: v for k, v in read_safetensors(a.weights).items() if k.startswith(PREFIX)}
    inputs = read_safetensors(a.inputs)
    hidden = [inputs[f"vision.hidden_states.{i}"] for i in (14, 17, 20, 23)]
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "embed": {}}
    outputs = {}
    with torch.no_grad():
        result["fuse"], fused = timed(lambda: fuse(w, hidden, a.gn_groups), a.fuse_runs)
        for l in range(4):
            outputs[f"spi.fused.{l}"] = fused[l][0]
        for k in [int(s) for s in a.boxes.split(",")]:
            boxes = inputs["boxes_norm"][:k]
            embed(w, fused, boxes)                                   # warm-up
            result["embed"][str(k)], emb = timed(lambda: embed(w, fused, boxes), a.embed_runs)
            outputs[f"region_embeddings.{k}"] = emb
    write_safetensors(a.out, outputs)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
