package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batched matrix product {@code out[M,N] = A[M,K] · W[N,K]ᵀ (+ bias[N])}, GotoBLAS-style:
 * both operands are packed into micro-panels with K outermost, and a register tile of
 * {@value #MR} rows of A × {@link #NR} (two vectors) rows of W is an outer product per k:
 * two vector loads of W, four broadcasts of A, eight FMAs into eight vector accumulators, in a
 * counted loop (C2 unrolls it and drops its bounds checks; a 6-row tile's twelve accumulators spill
 * once it is unrolled, and kept rolled it runs 15–25 % slower than this one).
 * F16/BF16 rows of W are converted to F32 while they are packed.
 *
 * <p>Per block of at most {@value #MB} rows of A: the threads first pack the block for all of K into
 * shared panels {@code [kc][MR]} per K block (K split evenly into blocks of at most {@value #KC}), each
 * a share of the panels; then they take output blocks of {@value #NB} rows of W one after the other
 * from a counter (a thread slowed by the rest of the machine takes fewer). An output block is held in
 * an array while all of K is added up; per K block its W rows are packed into panels {@code [kc][NR]},
 * each of which (L1) meets every A panel of the block.
 *
 * <p>Reproducible by construction: output (m, n) is one FMA chain over k = 0 … K-1 in order,
 * starting at the bias (or 0), whichever tile, edge, block or thread computes it; padded rows and
 * columns of a panel are zeros that touch only outputs nobody stores. The result depends neither
 * on the thread count nor on the blocking, nor on which thread took which block.
 */
final class CpuGemm {
    private CpuGemm() {}

    /** An operand's rows, packed block by block on demand: a tensor's rows, im2col rows, weight rows. */
    interface RowSource {
        /** Writes {@code A[m, k]} for m in [m0,m1), k in [k0,k1) to {@code dst[(m-m0)·ld + (k-k0)]}. */
        void pack(int m0, int m1, int k0, int k1, float[] dst, int ld);
    }

    /** Rows of {@code data} from {@code offset} on, row m at {@code offset + m·ld}. */
    static RowSource arrayRows(float[] data, int offset, int ld) {
        return (m0, m1, k0, k1, dst, dld) -> {
            for (int r = m0; r < m1; r++) System.arraycopy(data, offset + r * ld + k0, dst, (r - m0) * dld, k1 - k0);
        };
    }

    private static final VectorSpecies<Float> S = HalfVectors.FLOATS;
    private static final int L = HalfVectors.LANES;
    /** Register tile: MR rows of A × NR rows of W. */
    static final int MR = 4, NR = 2 * L;
    /**
     * Cache blocks: K block (a W panel of kc·NR floats stays in L1), rows of A per block, columns of
     * the output block (MB·NB floats, L2, accumulated over all of K before it is stored).
     */
    static final int KC = 256, MB = 384, NB = 128;

    /**
     * {@code out = A[M,K] · W[N,K]ᵀ (+ bias)}, element (m, n) at float index {@code m·rowStride + n·colStride}
     * of {@code out} (any prior content is overwritten).
     */
    static void multiply(Parallel par, RowSource a, int m, RowSource w, int n, int k, float[] bias,
                         MemorySegment out, long rowStride, long colStride) {
        int blocks = Math.max(1, (k + KC - 1) / KC), kc = (k + blocks - 1) / blocks;
        int mbp = (Math.min(MB, m) + MR - 1) / MR * MR, outputBlocks = (n + NB - 1) / NB;
        float[] aPanels = new float[mbp * k];                      // A's block for all of K, shared
        Worker[] workers = new Worker[par.threads()];
        for (int m0 = 0; m0 < m; m0 += MB) {
            int mb0 = m0, mb1 = Math.min(m, m0 + MB);
            par.forRange((mb1 - mb0 + MR - 1) / MR, (p0, p1) ->
                    packA(a, mb0 + p0 * MR, Math.min(mb1, mb0 + p1 * MR), mb0, k, kc, mbp, aPanels));
            AtomicInteger next = new AtomicInteger();
            par.forRange(workers.length, (t, unused) -> {
                for (int b; (b = next.getAndIncrement()) < outputBlocks; ) {
                    if (workers[t] == null) workers[t] = new Worker(aPanels, mbp, kc, w, k, bias, out, rowStride, colStride);
                    workers[t].outputBlock(mb0, mb1, b * NB, Math.min(n, (b + 1) * NB));
                }
            });
        }
    }

    /**
     * Rows {@code [r0, r1)} of A (of the block from {@code m0}) into their panels of {@code aPanels}:
     * K block {@code k0} at {@code k0·mbp}, the panel of row r at {@code + (r - m0)·len}.
     */
    private static void packA(RowSource a, int r0, int r1, int m0, int k, int kc, int mbp, float[] aPanels) {
        float[] rows = new float[(r1 - r0) * kc];
        for (int k0 = 0; k0 < k; k0 += kc) {
            int k1 = Math.min(k, k0 + kc), len = k1 - k0;
            a.pack(r0, r1, k0, k1, rows, len);
            for (int i = r0; i < r1; i += MR)
                toPanel(rows, (i - r0) * len, Math.min(MR, r1 - i), len, MR, aPanels, k0 * mbp + (i - m0) * len);
        }
    }

    /**
     * Rows {@code src[from + r·len ..]}, r < rows, as a panel {@code dst[at + kk·width + r]} of
     * {@code width} rows (those past {@code rows} zero). Full W panels go through {@link Worker#toPanel}'s gathers.
     */
    private static void toPanel(float[] src, int from, int rows, int len, int width, float[] dst, int at) {
        if (rows < width) Arrays.fill(dst, at, at + len * width, 0f);
        for (int r = 0; r < rows; r++) {
            int s = from + r * len;
            for (int kk = 0, d = at + r; kk < len; kk++, d += width) dst[d] = src[s + kk];
        }
    }

    /** {@link #multiply} with a weight matrix as W. */
    static void multiply(Parallel par, RowSource a, int m, WeightMatrix w, float[] bias,
                         MemorySegment out, long rowStride, long colStride) {
        multiply(par, a, m, w::pack, w.rows(), w.cols(), bias, out, rowStride, colStride);
    }

    /** k rounded up to a multiple of the vector length (the padded row length of some callers' layouts). */
    static int roundUp(int k) { return (k + L - 1) / L * L; }

    /** One thread's output blocks against the shared A panels, with its own W panels and output block. */
    private static final class Worker {
        private final RowSource w;
        private final float[] aPanels;
        private final int k, kc, mbp;
        private final float[] bias;
        private final MemorySegment out;
        private final long rowStride, colStride;
        /** NR rows of W, one K block, as the source writes them. */
        private final float[] rows;
        /** W's rows of one output block, one K block: panels {@code [NB/NR][len][NR]}. */
        private final float[] wPanels;
        /** Offsets of L consecutive rows of length {@link #gatherLen} (a gather's index map). */
        private final int[] gather = new int[L];
        private int gatherLen = -1;
        /** The output block {@code [mbp][NB]} the kernels accumulate in (L2); rows past M are scratch. */
        private final float[] c;

        Worker(float[] aPanels, int mbp, int kc, RowSource w, int k, float[] bias, MemorySegment out, long rowStride, long colStride) {
            this.aPanels = aPanels; this.mbp = mbp; this.kc = kc; this.w = w; this.k = k; this.bias = bias;
            this.out = out; this.rowStride = rowStride; this.colStride = colStride;
            this.rows = new float[NR * kc];
            this.wPanels = new float[NB * kc];
            this.c = new float[mbp * NB];
        }

        /** Outputs of rows [m0, m1) × columns [nb, nb1) (at most NB), all of K. */
        void outputBlock(int m0, int m1, int nb, int nb1) {
            startBlock(m0, m1, nb, nb1);
            for (int k0 = 0; k0 < k; k0 += kc) {
                int k1 = Math.min(k, k0 + kc), len = k1 - k0;
                for (int j = nb; j < nb1; j += NR) {
                    w.pack(j, Math.min(nb1, j + NR), k0, k1, rows, len);
                    toPanel(rows, Math.min(NR, nb1 - j), len, wPanels, (j - nb) * len);
                }
                for (int j = nb; j < nb1; j += NR)
                    for (int i = m0; i < m1; i += MR)
                        kernel(aPanels, k0 * mbp + (i - m0) * len, wPanels, (j - nb) * len, len, (i - m0) * NB + j - nb);
            }
            storeBlock(m0, m1, nb, nb1);
        }

        /** W rows {@code rows[r·len ..]}, r < count, as the panel {@code dst[at + kk·NR + r]}: L rows per gather when full. */
        private void toPanel(float[] src, int count, int len, float[] dst, int at) {
            if (count < NR) { CpuGemm.toPanel(src, 0, count, len, NR, dst, at); return; }
            if (gatherLen != len) {
                for (int r = 0; r < L; r++) gather[r] = r * len;
                gatherLen = len;
            }
            for (int kk = 0, d = at; kk < len; kk++, d += NR) {
                FloatVector.fromArray(S, src, kk, gather, 0).intoArray(dst, d);
                FloatVector.fromArray(S, src, L * len + kk, gather, 0).intoArray(dst, d + L);
            }
        }

        /** The output block's running values start at the bias (or 0). */
        private void startBlock(int m0, int m1, int nb, int nb1) {
            for (int r = 0; r < m1 - m0; r++)
                if (bias == null) Arrays.fill(c, r * NB, r * NB + nb1 - nb, 0f);
                else System.arraycopy(bias, nb, c, r * NB, nb1 - nb);
        }

        private void storeBlock(int m0, int m1, int nb, int nb1) {
            int cols = nb1 - nb;
            for (int r = 0; r < m1 - m0; r++) {
                long at = (m0 + r) * rowStride + nb * colStride;
                if (colStride == 1) MemorySegment.copy(c, r * NB, out, HalfVectors.F32, at * 4, cols);
                else for (int j = 0; j < cols; j++) out.setAtIndex(HalfVectors.F32, at + j * colStride, c[r * NB + j]);
            }
        }

        /**
         * Output tile {@code c[ci + r·NB + j]} += A panel {@code [len][MR]} (from {@code ai}) × W panel
         * {@code [len][NR]} (from {@code wi}): one FMA chain per element.
         */
        private void kernel(float[] ap, int ai, float[] wp, int wi, int len, int ci) {
            float[] t = c;
            int r1 = ci + NB, r2 = ci + 2 * NB, r3 = ci + 3 * NB;
            FloatVector c00 = FloatVector.fromArray(S, t, ci), c01 = FloatVector.fromArray(S, t, ci + L);
            FloatVector c10 = FloatVector.fromArray(S, t, r1), c11 = FloatVector.fromArray(S, t, r1 + L);
            FloatVector c20 = FloatVector.fromArray(S, t, r2), c21 = FloatVector.fromArray(S, t, r2 + L);
            FloatVector c30 = FloatVector.fromArray(S, t, r3), c31 = FloatVector.fromArray(S, t, r3 + L);
            for (int kk = 0; kk < len; kk++) {
                int x = ai + kk * MR, y = wi + kk * NR;
                FloatVector w0 = FloatVector.fromArray(S, wp, y), w1 = FloatVector.fromArray(S, wp, y + L);
                FloatVector v = FloatVector.broadcast(S, ap[x]);
                c00 = v.fma(w0, c00); c01 = v.fma(w1, c01);
                v = FloatVector.broadcast(S, ap[x + 1]);
                c10 = v.fma(w0, c10); c11 = v.fma(w1, c11);
                v = FloatVector.broadcast(S, ap[x + 2]);
                c20 = v.fma(w0, c20); c21 = v.fma(w1, c21);
                v = FloatVector.broadcast(S, ap[x + 3]);
                c30 = v.fma(w0, c30); c31 = v.fma(w1, c31);
            }
            c00.intoArray(t, ci); c01.intoArray(t, ci + L); c10.intoArray(t, r1); c11.intoArray(t, r1 + L);
            c20.intoArray(t, r2); c21.intoArray(t, r2 + L); c30.intoArray(t, r3); c31.intoArray(t, r3 + L);
        }
    }
}
