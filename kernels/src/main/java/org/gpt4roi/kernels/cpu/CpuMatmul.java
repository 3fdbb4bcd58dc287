package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    /**
     * {@code y[n] = x · w[n] (+ b[n])} for one row x[K]; w streams through once, split over threads by
     * rows. For 16-bit weights x is put once into the pair order of {@link HalfVectors#pairs}.
     */
    static void rowTimesWeights(Parallel par, MemorySegment x, WeightMatrix w, float[] b, MemorySegment y) {
        float[] xs = HalfVectors.pairOrder(w.dtype(), x.asSlice(0, w.cols() * 4L).toArray(HalfVectors.F32));
        par.forRange(w.rows(), 4, (n0, n1) -> {
            RowDot rowDot = new RowDot(xs, w);
            for (int n = n0; n < n1; n++) {
                float dot = rowDot.dot(n);
                y.set(HalfVectors.F32, n * 4L, b == null ? dot : dot + b[n]);
            }
        });
    }

    /** x · w[n] for one thread: blocks of 2·L elements, two FMA chains in flight, then the scalar tail. */
    private static final class RowDot {
        private final float[] xs, lanes = new float[L];
        private final WeightMatrix w;
        /** Block step read from a field: keeps C2 from unrolling the loops 4× and spilling (see CpuGemm). */
        private final int step = 2 * L;

        RowDot(float[] xs, WeightMatrix w) { this.xs = xs; this.w = w; }

        /** One small loop per weight type, so that each stays fully inlined and free of a per-element switch. */
        float dot(int n) {
            int k = w.cols(), blockEnd = k - k % (2 * L);
            MemorySegment seg = w.segment();
            long row = (long) n * k;
            FloatVector a0 = FloatVector.zero(HalfVectors.FLOATS), a1 = a0;
            switch (w.dtype()) {
                case F16 -> {
                    for (int kk = 0; kk < blockEnd; kk += step) {
                        IntVector pairs = HalfVectors.pairs(seg, row + kk);
                        a0 = x(kk).fma(HalfVectors.f16ToF32(HalfVectors.even(pairs)), a0);
                        a1 = x(kk + L).fma(HalfVectors.f16ToF32(HalfVectors.odd(pairs)), a1);
                    }
                }
                case BF16 -> {
                    for (int kk = 0; kk < blockEnd; kk += step) {
                        IntVector pairs = HalfVectors.pairs(seg, row + kk);
                        a0 = x(kk).fma(HalfVectors.bf16ToF32(pairs), a0);
                        a1 = x(kk + L).fma(pairs.and(0xffff_0000).reinterpretAsFloats(), a1);
                    }
                }
                default -> {
                    for (int kk = 0; kk < blockEnd; kk += step) {
                        a0 = x(kk).fma(w.load(n, kk), a0);
                        a1 = x(kk + L).fma(w.load(n, kk + L), a1);
                    }
                }
            }
            a0.add(a1).intoArray(lanes, 0);
            float s = LaneSums.sum(lanes);
            for (int kk = blockEnd; kk < k; kk++) s = Math.fma(xs[kk], w.get(n, kk), s);
            return s;
        }

        private FloatVector x(int k) { return FloatVector.fromArray(HalfVectors.FLOATS, xs, k); }
    }
}
