package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * {@code y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias[N])} with w F32, F16 or BF16 used in place.
 * One row (decode) is bandwidth bound: {@link #rowTimesWeights} streams w once, four rows at a
 * time, split over threads by rows of w. More rows go to the blocked kernel {@link CpuGemm}.
 */
final class CpuMatmul {
    private CpuMatmul() {}

    private static final int L = HalfVectors.LANES;

    static Tensor linear(Parallel par, Tensor x, Tensor w, Tensor bias) {
        if (x.rank() != 2) throw new IllegalArgumentException("linear: x must be [M,K], got " + x);
        WeightMatrix wm = WeightMatrix.of(w);
        int m = x.dim(0), k = x.dim(1), n = wm.rows();
        if (wm.cols() != k) throw new IllegalArgumentException("linear: x " + x + " and w " + w + " differ in K");
        if (bias != null && bias.numel() != n) throw new IllegalArgumentException("linear: bias " + bias + " is not [" + n + "]");
        Tensor xc = x.isContiguous() && x.dtype() == DType.F32 ? x : x.toF32();
        float[] b = bias == null ? null : bias.toFloatArray();
        Tensor y = Tensor.zeros(DType.F32, m, n);
        if (m == 0 || n == 0) return y;
        MemorySegment xs = xc.segment(), ys = y.segment();
        if (m == 1) rowTimesWeights(par, xs, wm, b, ys);
        else CpuGemm.multiply(par, rows(xs, k), m, wm, b, ys, n, 1);
        return y;
    }

    /** The rows of a contiguous F32 matrix {@code [M,K]} as a GEMM left operand. */
    static CpuGemm.RowSource rows(MemorySegment x, int k) {
        return (m0, m1, k0, k1, dst, ld) -> {
            for (int r = m0; r < m1; r++)
                MemorySegment.copy(x, HalfVectors.F32, ((long) r * k + k0) * 4, dst, (r - m0) * ld, k1 - k0);
        };
    }

    /** {@code y[n] = x · w[n] (+ b[n])} for one row x[K]; w streams through once, split over threads by rows. */
    static void rowTimesWeights(Parallel par, MemorySegment x, WeightMatrix w, float[] b, MemorySegment y) {
        par.forRange(w.rows(), 4, (n0, n1) -> {
            for (int n = n0; n < n1; n++) {
                float dot = dot(x, w, n);
                y.set(HalfVectors.F32, n * 4L, b == null ? dot : dot + b[n]);
            }
        });
    }

    /** x · w[n]: two interleaved vector accumulators (two FMA chains in flight), then the scalar tail. */
    private static float dot(MemorySegment x, WeightMatrix w, int n) {
        int k = w.cols(), vecEnd = k - k % L, kk = 0;
        FloatVector a0 = FloatVector.zero(HalfVectors.FLOATS), a1 = a0;
        for (; kk + 2 * L <= vecEnd; kk += 2 * L) {
            a0 = xVector(x, kk).fma(w.load(n, kk), a0);
            a1 = xVector(x, kk + L).fma(w.load(n, kk + L), a1);
        }
        if (kk < vecEnd) a0 = xVector(x, kk).fma(w.load(n, kk), a0);
        float s = HalfVectors.sum(a0.add(a1));
        for (kk = vecEnd; kk < k; kk++) s = Math.fma(x.get(HalfVectors.F32, kk * 4L), w.get(n, kk), s);
        return s;
    }

    private static FloatVector xVector(MemorySegment x, int k) {
        return FloatVector.fromMemorySegment(HalfVectors.FLOATS, x, k * 4L, java.nio.ByteOrder.LITTLE_ENDIAN);
    }
}
