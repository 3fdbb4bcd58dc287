#!/usr/bin/python3
"""Goldens for CpuSpatialTest: torchvision.ops.roi_align and torch.nn.functional.interpolate (bilinear).

Run with Debian's python3 (torch 1.13, torchvision 0.14) from this directory:
    /usr/bin/python3 make_goldens.py
Writes goldens.bin: a sequence of records
    int32 name length, name (UTF-8), int32 rank, int32 dims[rank], float32 data (little-endian)
Parameters are stored as small float tensors named "<case>.params".
"""
import struct

import torch
import torch.nn.functional as F
import torchvision

torch.manual_seed(1234)
records = []


def put(name, tensor):
    records.append((name, tensor.detach().to(torch.float32).contiguous()))


# ---- RoIAlign: edge-case boxes on a 20x12 map, then the model's own geometry (boxes in 224 pixels).
edge_boxes = torch.tensor([
    [0, 0, 20, 12],            # whole map, touching the border
    [0, 0, 1, 1],              # corner pixel
    [18.5, 10.5, 20, 12],      # far corner, beyond the last centre
    [3.3, 4.1, 3.7, 4.6],      # sub-pixel
    [5, 5, 5, 5],              # zero area
    [2, 3, 2, 9],              # zero width
    [-5, -3, 6, 4],            # partly outside (top-left)
    [15, 8, 30, 20],           # partly outside (bottom-right)
    [25, 15, 40, 30],          # fully outside (beyond W, H)
    [-20, -20, -10, -10],      # fully outside (negative)
    [-1.4, -1.2, 0.3, 0.2],    # straddling the -1 tolerance band
    [8, 6, 4, 2],              # reversed corners
    [1.25, 2.75, 17.5, 9.125], # ordinary
], dtype=torch.float32)
x = torch.randn(3, 12, 20)
cases = [
    ("roi_a", x, edge_boxes, 1.0, 14, 2, True),
    ("roi_b", x, edge_boxes * 1.75, 0.5714285714285714, 7, 2, True),
    ("roi_c", x, edge_boxes, 1.0, 5, 3, False),
]
model_boxes = torch.tensor([[0.1, 0.2, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0], [0.33, 0.41, 0.35, 0.44]], dtype=torch.float32) * 224
cases.append(("roi_d", torch.randn(2, 16, 16), model_boxes, 0.07142857142857142, 14, 2, True))
cases.append(("roi_e", torch.randn(2, 32, 32), model_boxes, 0.14285714285714285, 14, 2, True))
for name, feat, boxes, scale, out, ratio, aligned in cases:
    rois = torch.cat([torch.zeros(len(boxes), 1), boxes], dim=1)
    y = torchvision.ops.roi_align(feat[None], rois, out, spatial_scale=scale, sampling_ratio=ratio, aligned=aligned)
    put(name + ".x", feat)
    put(name + ".boxes", boxes)
    put(name + ".params", torch.tensor([scale, out, ratio, 1.0 if aligned else 0.0], dtype=torch.float64))
    put(name + ".y", y)

# ---- Bilinear resize, both align_corners conventions, up, down and one identity axis.
resize_cases = [
    ("resize_a", torch.randn(3, 7, 11), 16, 5, False),
    ("resize_b", torch.randn(3, 7, 11), 16, 5, True),
    ("resize_c", torch.randn(2, 9, 14), 9, 5, False),    # identity rows, squashed columns
    ("resize_d", torch.randn(2, 16, 16), 64, 32, True),  # pyramid-style upsampling
    ("resize_e", torch.randn(2, 13, 6), 1, 4, True),     # single output row
]
for name, feat, oh, ow, align in resize_cases:
    y = F.interpolate(feat[None], size=(oh, ow), mode="bilinear", align_corners=align)[0]
    put(name + ".x", feat)
    put(name + ".params", torch.tensor([oh, ow, 1.0 if align else 0.0]))
    put(name + ".y", y)

with open("goldens.bin", "wb") as f:
    for name, t in records:
        encoded = name.encode("utf-8")
        f.write(struct.pack("<i", len(encoded)) + encoded)
        f.write(struct.pack("<i", t.dim()) + struct.pack("<%di" % t.dim(), *t.shape))
        f.write(t.numpy().astype("<f4").tobytes())
print("wrote", len(records), "records")
