#!/usr/bin/python3
"""OpenBLAS sgemm / sgemv baselines for MatmulBench, with Debian's numpy (/usr/bin/python3).

y[M,N] = x[M,K] @ w[N,K].T in float32, the shapes of MatmulBench; best of several runs.
Usage: /usr/bin/python3 benchmarks/python/blas_baseline.py [threads]   (default 2)
The thread count must be fixed before numpy loads OpenBLAS, hence the environment variables below.
"""
import os
import sys

THREADS = sys.argv[1] if len(sys.argv) > 1 else "2"
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[var] = THREADS

import time  # noqa: E402
import numpy as np  # noqa: E402

SHAPES = [(1024, 1024, 1024), (257, 1024, 4096), (300, 4096, 11008), (1, 4096, 4096), (1, 4096, 11008)]


def blas_library():
    """The BLAS shared object numpy actually loaded (Debian's alternatives pick it at run time)."""
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "blas" in line.lower() or "lapack" in line.lower()}
    return sorted(os.path.realpath(p) for p in libs)


def best_time(f, reps):
    f()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}, threads {THREADS}, BLAS loaded: {blas_library()}")
    for m, k, n in SHAPES:
        x = rng.uniform(-0.5, 0.5, (m, k)).astype(np.float32)
        w = rng.uniform(-0.5, 0.5, (n, k)).astype(np.float32)
        t = best_time(lambda: x @ w.T, 10 if m * k * n < 4e9 else 5)
        print(f"sgemm {m}x{k}x{n}: {t * 1e3:8.2f} ms  {2 * m * k * n / t / 1e9:6.1f} GFLOP/s"
              f"  {n * k * 4 / t / 1e9:6.1f} GB/s of weights")


if __name__ == "__main__":
    main()
