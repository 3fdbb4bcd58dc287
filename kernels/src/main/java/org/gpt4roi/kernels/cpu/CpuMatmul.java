package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * {@code y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias[N])} with w F32, F16 or BF16 used in place (any byte
 * alignment). One row (decode) is bandwidth bound: {@link #rowTimesWeights} streams w once, row by
 * row, split over threads by rows of w. More rows go to the blocked kernel {@link CpuGemm}.
 * A non-contiguous x is copied first; the result is a new contiguous F32 tensor.
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
        MemorySegment xs = xc.segment(), ys = y.segment();
        if (m == 0 || n == 0) return y;
        if (k == 0) {                                               // empty sums: y = bias
            if (b != null) for (int i = 0; i < m; i++) MemorySegment.copy(b, 0, ys, HalfVectors.F32, (long) i * n * 4, n);
            return y;
        }
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
        int k = w.cols();
        float[] xs = HalfVectors.pairOrder(w.dtype(), x.asSlice(0, k * 4L).toArray(HalfVectors.F32), RowDot.blockEnd(k));
        par.forRange(w.rows(), 4, (n0, n1) -> {
            RowDot rowDot = new RowDot(xs, w);
            for (int n = n0; n < n1; n++) {
                float dot = rowDot.dot(n);
                y.set(HalfVectors.F32, n * 4L, b == null ? dot : dot + b[n]);
            }
        });
    }

    /**
     * x · w[n] for one thread: blocks of 4·L elements, four FMA chains in flight (two for F16), then
     * the scalar tail. One small method per weight type, each its own compilation unit, so that C2
     * inlines all of it (one loop with a dtype switch, or one method with all three, exceeded its
     * inlining budget and left the vectors boxed).
     */
    private static final class RowDot {
        private final float[] xs, lanes = new float[L];
        private final WeightMatrix w;
        private final MemorySegment seg;
        private final int k, blockEnd;
        /** Block step read from a field: keeps C2 from unrolling the loops 4× and spilling (see CpuGemm). */
        private final int step = 4 * L, halfStep = 2 * L;

        RowDot(float[] xs, WeightMatrix w) {
            this.xs = xs; this.w = w; this.seg = w.segment();
            this.k = w.cols(); this.blockEnd = blockEnd(k);
        }

        /** Where the vector blocks end and the scalar tail begins. */
        static int blockEnd(int k) { return k - k % (4 * L); }

        float dot(int n) {
            FloatVector blocks = switch (w.dtype()) {
                case F16 -> f16Blocks((long) n * k);
                case BF16 -> bf16Blocks((long) n * k);
                default -> f32Blocks(n);
            };
            blocks.intoArray(lanes, 0);
            float s = LaneSums.sum(lanes);
            for (int kk = blockEnd; kk < k; kk++) s = Math.fma(xs[kk], w.get(n, kk), s);
            return s;
        }

        /** Two chains only: a third inlined F16 conversion exceeds C2's inlining node budget (then all is boxed). */
        private FloatVector f16Blocks(long row) {
            FloatVector a0 = FloatVector.zero(HalfVectors.FLOATS), a1 = a0;
            for (int kk = 0; kk < blockEnd; kk += halfStep) {
                IntVector p = HalfVectors.pairs(seg, row + kk);
                a0 = x(kk).fma(HalfVectors.f16ToF32(HalfVectors.even(p)), a0);
                a1 = x(kk + L).fma(HalfVectors.f16ToF32(HalfVectors.odd(p)), a1);
            }
            return a0.add(a1);
        }

        private FloatVector bf16Blocks(long row) {
            FloatVector a0 = FloatVector.zero(HalfVectors.FLOATS), a1 = a0, a2 = a0, a3 = a0;
            for (int kk = 0; kk < blockEnd; kk += step) {
                IntVector p = HalfVectors.pairs(seg, row + kk), q = HalfVectors.pairs(seg, row + kk + 2 * L);
                a0 = x(kk).fma(HalfVectors.bf16ToF32(p), a0);
                a1 = x(kk + L).fma(p.and(0xffff_0000).reinterpretAsFloats(), a1);
                a2 = x(kk + 2 * L).fma(HalfVectors.bf16ToF32(q), a2);
                a3 = x(kk + 3 * L).fma(q.and(0xffff_0000).reinterpretAsFloats(), a3);
            }
            return a0.add(a1).add(a2.add(a3));
        }

        private FloatVector f32Blocks(int n) {
            FloatVector a0 = FloatVector.zero(HalfVectors.FLOATS), a1 = a0, a2 = a0, a3 = a0;
            for (int kk = 0; kk < blockEnd; kk += step) {
                a0 = x(kk).fma(w.load(n, kk), a0);
                a1 = x(kk + L).fma(w.load(n, kk + L), a1);
                a2 = x(kk + 2 * L).fma(w.load(n, kk + 2 * L), a2);
                a3 = x(kk + 3 * L).fma(w.load(n, kk + 3 * L), a3);
            }
            return a0.add(a1).add(a2.add(a3));
        }

        private FloatVector x(int k) { return FloatVector.fromArray(HalfVectors.FLOATS, xs, k); }
    }
}
