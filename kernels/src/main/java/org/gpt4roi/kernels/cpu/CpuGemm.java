package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batched matrix product {@code out[M,N] = A[M,K] · W[N,K]ᵀ (+ bias[N])}, blocked for the caches
 * and register-tiled: each tile is 4 rows of A × 3 rows of W, twelve vector accumulators running
 * along K (both operands are contiguous in K, so no transposition is needed).
 *
 * <p>Work is split over the N axis (rows of W) in a fixed way. Every output element is one
 * vector accumulation over each K block in K order, reduced in a fixed lane order and added to the
 * running sum block after block, whichever tile or thread computes it: the result does not even
 * depend on the thread count.
 *
 * <p>Loop nest per thread: M blocks of {@value #MB} rows → K blocks of {@value #KC} → packed A
 * block (L2) → W blocks of {@value #NC} rows, packed and converted to F32 (L2) → tiles.
 */
final class CpuGemm {
    private CpuGemm() {}

    /** The left operand, packed block by block on demand: a tensor's rows, or an image's im2col rows. */
    interface RowSource {
        /** Writes {@code A[m, k]} for m in [m0,m1), k in [k0,k1) to {@code dst[(m-m0)·ld + (k-k0)]}. */
        void pack(int m0, int m1, int k0, int k1, float[] dst, int ld);
    }

    static final int MR = 4, NR = 3;
    static final int MB = 256, KC = 512, NC = 48;
    private static final VectorSpecies<Float> S = HalfVectors.FLOATS;
    private static final int L = HalfVectors.LANES;

    /**
     * Computes the product into {@code out}, element (m, n) at float index {@code m·rowStride + n·colStride}
     * (any prior content is overwritten).
     */
    static void multiply(Parallel par, RowSource a, int m, WeightMatrix w, float[] bias,
                         MemorySegment out, long rowStride, long colStride) {
        par.forRange(w.rows(), NR, (n0, n1) -> new Worker(a, m, w, bias, out, rowStride, colStride).run(n0, n1));
    }

    /** One thread's share: W rows [n0, n1) against all of A, with its own packing buffers. */
    private static final class Worker {
        private final RowSource a;
        private final int m, k;
        private final WeightMatrix w;
        private final float[] bias;
        private final MemorySegment out;
        private final long rowStride, colStride;
        private final float[] ap, wp, sums = new float[MR * NR];

        Worker(RowSource a, int m, WeightMatrix w, float[] bias, MemorySegment out, long rowStride, long colStride) {
            this.a = a; this.m = m; this.k = w.cols(); this.w = w; this.bias = bias;
            this.out = out; this.rowStride = rowStride; this.colStride = colStride;
            int kcp = roundUp(Math.min(KC, k));
            this.ap = new float[Math.min(MB, m) * kcp];
            this.wp = new float[NC * kcp];
        }

        void run(int n0, int n1) {
            for (int m0 = 0; m0 < m; m0 += MB) {
                int m1 = Math.min(m, m0 + MB);
                for (int k0 = 0; k0 < k; k0 += KC) {
                    int k1 = Math.min(k, k0 + KC), ld = roundUp(k1 - k0);
                    a.pack(m0, m1, k0, k1, ap, ld);
                    for (int r = 0; r < m1 - m0; r++) java.util.Arrays.fill(ap, r * ld + (k1 - k0), (r + 1) * ld, 0f);
                    for (int nb = n0; nb < n1; nb += NC) {
                        int nb1 = Math.min(n1, nb + NC);
                        w.pack(nb, nb1, k0, k1, wp, ld);
                        for (int n = nb; n < nb1; n += NR)
                            for (int i = m0; i < m1; i += MR)
                                tile(i, Math.min(MR, m1 - i), n, Math.min(NR, nb1 - n), (i - m0) * ld, (n - nb) * ld, ld, k0 == 0);
                    }
                }
            }
        }

        /** Tile rows [i, i+mr) × [n, n+nr); adds its K block to the outputs (or starts them at bias). */
        private void tile(int i, int mr, int n, int nr, int ai, int bi, int ld, boolean first) {
            if (mr == MR && nr == NR) tile4x3(ai, bi, ld);
            else for (int r = 0; r < mr; r++) for (int c = 0; c < nr; c++) sums[r * NR + c] = dot(ai + r * ld, bi + c * ld, ld);
            for (int r = 0; r < mr; r++)
                for (int c = 0; c < nr; c++) {
                    long at = ((i + r) * rowStride + (n + c) * colStride) * 4;
                    float start = first ? (bias == null ? 0f : bias[n + c]) : out.get(HalfVectors.F32, at);
                    out.set(HalfVectors.F32, at, start + sums[r * NR + c]);
                }
        }

        private float dot(int ai, int bi, int ld) {
            FloatVector acc = FloatVector.zero(S);
            for (int kk = 0; kk < ld; kk += L) acc = FloatVector.fromArray(S, ap, ai + kk).fma(FloatVector.fromArray(S, wp, bi + kk), acc);
            return HalfVectors.sum(acc);
        }

        private void tile4x3(int ai, int bi, int ld) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
            float[] ap = this.ap, wp = this.wp;
            for (int kk = 0; kk < ld; kk += L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, bi + kk);
                FloatVector w1 = FloatVector.fromArray(S, wp, bi + ld + kk);
                FloatVector w2 = FloatVector.fromArray(S, wp, bi + 2 * ld + kk);
                FloatVector x = FloatVector.fromArray(S, ap, ai + kk);
                c00 = x.fma(w0, c00); c01 = x.fma(w1, c01); c02 = x.fma(w2, c02);
                x = FloatVector.fromArray(S, ap, ai + ld + kk);
                c10 = x.fma(w0, c10); c11 = x.fma(w1, c11); c12 = x.fma(w2, c12);
                x = FloatVector.fromArray(S, ap, ai + 2 * ld + kk);
                c20 = x.fma(w0, c20); c21 = x.fma(w1, c21); c22 = x.fma(w2, c22);
                x = FloatVector.fromArray(S, ap, ai + 3 * ld + kk);
                c30 = x.fma(w0, c30); c31 = x.fma(w1, c31); c32 = x.fma(w2, c32);
            }
            float[] s = sums;
            s[0] = HalfVectors.sum(c00); s[1] = HalfVectors.sum(c01); s[2] = HalfVectors.sum(c02);
            s[3] = HalfVectors.sum(c10); s[4] = HalfVectors.sum(c11); s[5] = HalfVectors.sum(c12);
            s[6] = HalfVectors.sum(c20); s[7] = HalfVectors.sum(c21); s[8] = HalfVectors.sum(c22);
            s[9] = HalfVectors.sum(c30); s[10] = HalfVectors.sum(c31); s[11] = HalfVectors.sum(c32);
        }
    }

    static int roundUp(int k) { return (k + L - 1) / L * L; }
}
