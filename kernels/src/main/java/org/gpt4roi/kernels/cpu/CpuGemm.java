package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batched matrix product {@code out[M,N] = A[M,K] · W[N,K]ᵀ (+ bias[N])}, blocked for the caches
 * and register-tiled: a tile is 4 rows of A × 3 rows of W, twelve vector accumulators running along
 * K (both operands are contiguous in K, so packing needs no transposition, and F16/BF16 rows of W
 * are converted to F32 while they are packed). Operands already held as F32 rows padded to a
 * multiple of the vector length ({@link #arrayRows}) are used in place when K fits one block.
 *
 * <p>Per thread (a fixed share of W's rows): for each K block (K split evenly into blocks of at most
 * {@value #KC}, so that K = 1026 gives two blocks of 513, not 1024 + 2) and each block of
 * {@value #MB} rows of A, A's block is packed once (L2/L3); for each block of {@value #NC} rows of W,
 * W's block is packed once (L2); then every 4-row strip of A (L1) meets every 3-row strip of W.
 *
 * <p>Reproducible by construction: every output is, for each K block in order, one vector
 * accumulation along K, stored and summed over its lanes in a fixed tree, then added to the running
 * value — whichever tile, edge path or thread computes it. The result does not depend on the thread count.
 */
final class CpuGemm {
    private CpuGemm() {}

    /** An operand's rows, packed block by block on demand: a tensor's rows, im2col rows, weight rows. */
    interface RowSource {
        /** Writes {@code A[m, k]} for m in [m0,m1), k in [k0,k1) to {@code dst[(m-m0)·ld + (k-k0)]}. */
        void pack(int m0, int m1, int k0, int k1, float[] dst, int ld);

        /** The rows as they lie in a float[] (row m at {@code offset + m·ld}, ld = {@link #roundUp}(K), zero padded), or null. */
        default InPlace inPlace() { return null; }
    }

    /** F32 rows in an array: row m starts at {@code data[offset + m·ld]}. */
    record InPlace(float[] data, int offset) {}

    /** Rows of {@code data} from {@code offset} on with row length {@code roundUp(k)}, zero padded past k. */
    static RowSource arrayRows(float[] data, int offset, int k) {
        int ld = roundUp(k);
        return new RowSource() {
            @Override public void pack(int m0, int m1, int k0, int k1, float[] dst, int dld) {
                for (int r = m0; r < m1; r++) System.arraycopy(data, offset + r * ld + k0, dst, (r - m0) * dld, k1 - k0);
            }
            @Override public InPlace inPlace() { return new InPlace(data, offset); }
        };
    }

    static final int MR = 4, NR = 3;
    static final int MB = 512, KC = 1024, NC = 48;
    private static final VectorSpecies<Float> S = HalfVectors.FLOATS;
    private static final int L = HalfVectors.LANES;

    /**
     * {@code out = A[M,K] · W[N,K]ᵀ (+ bias)}, element (m, n) at float index {@code m·rowStride + n·colStride}
     * of {@code out} (any prior content is overwritten).
     */
    static void multiply(Parallel par, RowSource a, int m, RowSource w, int n, int k, float[] bias,
                         MemorySegment out, long rowStride, long colStride) {
        par.forRange(n, NR, (n0, n1) -> new Worker(a, m, w, k, bias, out, rowStride, colStride).run(n0, n1));
    }

    /** {@link #multiply} with a weight matrix as W. */
    static void multiply(Parallel par, RowSource a, int m, WeightMatrix w, float[] bias,
                         MemorySegment out, long rowStride, long colStride) {
        multiply(par, a, m, w::pack, w.rows(), w.cols(), bias, out, rowStride, colStride);
    }

    static int roundUp(int k) { return (k + L - 1) / L * L; }

    /** One thread's share: W rows [n0, n1) against all of A, with its own packing buffers. */
    private static final class Worker {
        private final RowSource a, w;
        private final int m, k;
        private final float[] bias;
        private final MemorySegment out;
        private final long rowStride, colStride;
        /** K block length: K split evenly into ⌈K / KC⌉ blocks. */
        private final int kc;
        private final float[] acc = new float[2 * L * L], sums = new float[2 * L];
        /** Packed blocks of A and W, or the operands' own arrays (then aBase/wBase locate row 0). */
        private final float[] ap, wp;
        private final int aBase, wBase;
        private final boolean aPacks, wPacks;
        /**
         * The K step of the tile loop, read from a field so that C2 compiles a non-counted loop: a
         * counted one gets unrolled 4×, and the scheduler then hoists loads and spills accumulators
         * to the stack (measured ~38 vs ~60 GFLOP/s per core).
         */
        private final int step = L;

        Worker(RowSource a, int m, RowSource w, int k, float[] bias, MemorySegment out, long rowStride, long colStride) {
            this.a = a; this.m = m; this.k = k; this.w = w; this.bias = bias;
            this.out = out; this.rowStride = rowStride; this.colStride = colStride;
            int blocks = Math.max(1, (k + KC - 1) / KC);
            this.kc = (k + blocks - 1) / blocks;
            int kcp = roundUp(kc);
            InPlace aIn = k <= KC ? a.inPlace() : null, wIn = k <= KC ? w.inPlace() : null;
            this.aPacks = aIn == null;
            this.wPacks = wIn == null;
            this.ap = aPacks ? new float[Math.min(MB, m) * kcp] : aIn.data();
            this.wp = wPacks ? new float[NC * kcp] : wIn.data();
            this.aBase = aPacks ? 0 : aIn.offset();
            this.wBase = wPacks ? 0 : wIn.offset();
        }

        void run(int n0, int n1) {
            for (int m0 = 0; m0 < m; m0 += MB) {
                int m1 = Math.min(m, m0 + MB);
                for (int k0 = 0; k0 < k; k0 += kc) {
                    int k1 = Math.min(k, k0 + kc), ld = roundUp(k1 - k0);
                    if (aPacks) pack(a, m0, m1, k0, k1, ap, ld);
                    for (int nb = n0; nb < n1; nb += NC) {
                        int nb1 = Math.min(n1, nb + NC);
                        if (wPacks) pack(w, nb, nb1, k0, k1, wp, ld);
                        for (int i = m0; i < m1; i += MR)
                            for (int n = nb; n < nb1; n += NR) {
                                int ai = aPacks ? (i - m0) * ld : aBase + i * ld, bi = wPacks ? (n - nb) * ld : wBase + n * ld;
                                tile(i, Math.min(MR, m1 - i), n, Math.min(NR, nb1 - n), ai, bi, ld, k0 == 0);
                            }
                    }
                }
            }
        }

        /** Packs rows [r0,r1) × [k0,k1) of {@code src}, zero padding each row to ld. */
        private static void pack(RowSource src, int r0, int r1, int k0, int k1, float[] dst, int ld) {
            src.pack(r0, r1, k0, k1, dst, ld);
            for (int r = 0; r < r1 - r0; r++) java.util.Arrays.fill(dst, r * ld + (k1 - k0), (r + 1) * ld, 0f);
        }

        /** Rows [i, i+mr) × [n, n+nr): adds this K block to the outputs (or starts them at the bias). */
        private void tile(int i, int mr, int n, int nr, int ai, int bi, int ld, boolean first) {
            if (mr == MR && nr == NR) {
                tile4x3(ai, bi, ld);
                LaneSums.sum(acc, 0, sums, 0);
                LaneSums.sum(acc, L * L, sums, L);
            } else {
                for (int r = 0; r < mr; r++)
                    for (int c = 0; c < nr; c++) {
                        dot(ai + r * ld, bi + c * ld, ld);
                        sums[r * NR + c] = LaneSums.sum(acc);
                    }
            }
            for (int r = 0; r < mr; r++)
                for (int c = 0; c < nr; c++) {
                    long at = ((i + r) * rowStride + (n + c) * colStride) * 4;
                    float start = first ? (bias == null ? 0f : bias[n + c]) : out.get(HalfVectors.F32, at);
                    out.set(HalfVectors.F32, at, start + sums[r * NR + c]);
                }
        }

        /** One A row · one W row over a K block, lanes left in acc[0..L). */
        private void dot(int ai, int bi, int ld) {
            FloatVector c = FloatVector.zero(S);
            for (int kk = 0; kk < ld; kk += step) c = FloatVector.fromArray(S, ap, ai + kk).fma(FloatVector.fromArray(S, wp, bi + kk), c);
            c.intoArray(acc, 0);
        }

        /** 4 A rows × 3 W rows over a K block, lanes left in acc[(r·3 + c)·L ..] (the rest of acc stays zero). */
        private void tile4x3(int ai, int bi, int ld) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
            float[] ap = this.ap, wp = this.wp;
            int a1 = ai + ld, a2 = ai + 2 * ld, a3 = ai + 3 * ld, b1 = bi + ld, b2 = bi + 2 * ld;
            for (int kk = 0; kk < ld; kk += step) {
                FloatVector w0 = FloatVector.fromArray(S, wp, bi + kk);
                FloatVector w1 = FloatVector.fromArray(S, wp, b1 + kk);
                FloatVector w2 = FloatVector.fromArray(S, wp, b2 + kk);
                FloatVector x = FloatVector.fromArray(S, ap, ai + kk);
                c00 = x.fma(w0, c00); c01 = x.fma(w1, c01); c02 = x.fma(w2, c02);
                x = FloatVector.fromArray(S, ap, a1 + kk);
                c10 = x.fma(w0, c10); c11 = x.fma(w1, c11); c12 = x.fma(w2, c12);
                x = FloatVector.fromArray(S, ap, a2 + kk);
                c20 = x.fma(w0, c20); c21 = x.fma(w1, c21); c22 = x.fma(w2, c22);
                x = FloatVector.fromArray(S, ap, a3 + kk);
                c30 = x.fma(w0, c30); c31 = x.fma(w1, c31); c32 = x.fma(w2, c32);
            }
            float[] s = acc;
            c00.intoArray(s, 0); c01.intoArray(s, L); c02.intoArray(s, 2 * L);
            c10.intoArray(s, 3 * L); c11.intoArray(s, 4 * L); c12.intoArray(s, 5 * L);
            c20.intoArray(s, 6 * L); c21.intoArray(s, 7 * L); c22.intoArray(s, 8 * L);
            c30.intoArray(s, 9 * L); c31.intoArray(s, 10 * L); c32.intoArray(s, 11 * L);
        }
    }
}
