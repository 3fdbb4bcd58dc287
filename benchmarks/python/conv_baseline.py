#!/usr/bin/python3
"""PyTorch (CPU) convolution baselines for ConvBench, with the Debian torch 1.13 (/usr/bin/python3).

Shapes "C,O,H,W,k,stride,pad" as in ConvBench; float32 weights; best of several runs.
Usage: /usr/bin/python3 benchmarks/python/conv_baseline.py [threads]   (default 2)
"""
import sys
import time

import torch

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
SHAPES = [(1024, 1024, 32, 32, 3, 1, 1), (3, 1024, 224, 224, 14, 14, 0)]


def main():
    torch.set_num_threads(THREADS)
    torch.manual_seed(2)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, mkldnn {torch.backends.mkldnn.is_available()}")
    with torch.no_grad():
        for c, o, h, w, k, s, p in SHAPES:
            x = torch.rand(1, c, h, w) - 0.5
            wt = torch.rand(o, c, k, k) - 0.5
            torch.nn.functional.conv2d(x, wt, None, s, p)
            best = float("inf")
            for _ in range(5):
                t0 = time.perf_counter()
                torch.nn.functional.conv2d(x, wt, None, s, p)
                best = min(best, time.perf_counter() - t0)
            ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
            flop = 2 * o * c * k * k * ho * wo
            print(f"conv {c}->{o} {k}x{k}/{s} pad {p} on {h}x{w}: {best * 1e3:8.2f} ms  {flop / best / 1e9:6.1f} GFLOP/s")


if __name__ == "__main__":
    main()
