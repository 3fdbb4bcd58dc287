#!/usr/bin/python3
"""Writes half-floats-torch.txt: F32 values and the F16 / BF16 bits PyTorch rounds them to.

Run from the repository root:  /usr/bin/python3 tensor/src/test/python/make_half_floats.py
Each line: "<f32 bits> <f16 bits> <bf16 bits>" in hex. The values are special cases, exact ties
between neighbouring half values (and one F32 ulp either side), and random F32 bit patterns.
"""
import numpy as np
import torch

OUT = "tensor/src/test/resources/org/gpt4roi/tensor/half-floats-torch.txt"
rng = np.random.default_rng(20240601)


def f32(bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)


def neighbours_and_ties(half_bits, to_f32):
    """For half values h and their upper neighbour: the exact midpoint, and the F32 values just around it."""
    lo, hi = to_f32(half_bits), to_f32(half_bits + 1)
    mid = ((lo.astype(np.float64) + hi.astype(np.float64)) / 2).astype(np.float32)   # exact in F32
    below = np.nextafter(mid, np.float32(-np.inf) * np.sign(mid))
    above = np.nextafter(mid, np.float32(np.inf) * np.sign(mid))
    return np.concatenate([lo, mid, below, above])


special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 65504.0, 65519.99, 65520.0, -65520.0,
                    2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -14, 2.0 ** -15, 1e-30,
                    1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8,
                    3.4028235e38, -3.4028235e38, 3.3895314e38, 1.1754944e-38, 1e-45], dtype=np.float32)

# F16: finite, non-negative patterns below 0x7bff (so h+1 is finite), random sign.
f16_bits = rng.integers(0, 0x7bff, 300).astype(np.uint16)
f16_ties = neighbours_and_ties(f16_bits, lambda b: b.view(np.float16).astype(np.float32))
f16_ties *= rng.choice(np.array([-1, 1], dtype=np.float32), f16_ties.shape)
# BF16: finite patterns below 0x7f7f, random sign.
bf16_bits = rng.integers(0, 0x7f7f, 300).astype(np.uint32)
bf16_ties = neighbours_and_ties(bf16_bits, lambda b: (b << 16).view(np.float32))
bf16_ties *= rng.choice(np.array([-1, 1], dtype=np.float32), bf16_ties.shape)
# Random F32 bit patterns (any exponent) and values in the F16 range.
random_bits = f32(rng.integers(0, 2 ** 32, 300, dtype=np.uint64).astype(np.uint32))
random_normal = (rng.standard_normal(200) * 10.0 ** rng.integers(-8, 5, 200)).astype(np.float32)

values = torch.from_numpy(np.concatenate([special, f16_ties, bf16_ties, random_bits, random_normal]))
f32_bits = values.view(torch.int32).numpy().astype(np.uint32)
f16 = values.to(torch.float16).view(torch.int16).numpy().astype(np.uint16)
bf16 = values.to(torch.bfloat16).view(torch.int16).numpy().astype(np.uint16)

with open(OUT, "w") as out:
    out.write(f"# torch {torch.__version__}: f32_bits f16_bits bf16_bits (hex); made by make_half_floats.py\n")
    for a, b, c in zip(f32_bits, f16, bf16):
        out.write(f"{a:08x} {b:04x} {c:04x}\n")
print(len(f32_bits), "values written to", OUT)
