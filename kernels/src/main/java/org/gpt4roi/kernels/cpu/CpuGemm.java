package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batched matrix product {@code out[M,N] = A[M,K] · W[N,K]ᵀ (+ bias[N])}, GotoBLAS-style: A is
 * packed into micro-panels {@code [kc][MA]} (K outermost), W's rows are copied as they are (converted to
 * F32 if F16/BF16), and a register tile of {@value #MW} rows of W × {@link #MA} (two vectors) rows of A is
 * an outer product per k: two vector loads of A, six broadcasts of W, twelve FMAs into twelve vector
 * accumulators, in a counted loop. Its body is too large for C2 to unroll, so the twelve accumulators,
 * the two A vectors and a broadcast fit the sixteen registers (no spills in the compiled loop); against
 * the former 4-row tile, which C2 unrolled, it measured 1.16–1.19× on the LLaMA prefill shapes (paired
 * calls in one JVM, 2 threads): each pair of A loads from L2 now feeds twelve FMAs instead of eight.
 * Output blocks are multiples of {@value #MW} rows. W is never transposed, so packing it is a row copy.
 *
 * <p>Per block of at most {@value #MB} rows of A: the threads first pack the block for all of K into
 * shared panels (K split evenly into blocks of at most {@value #KC}), each a share of the panels; then
 * they take output blocks of at most {@value #NB} rows of W one after the other from a counter (a thread
 * slowed by the rest of the machine takes fewer). Their size is evened out so that every thread gets as
 * many (2048 rows on 2 threads: 18 blocks of 114, not 17 of 120 and one of 8). Several products with the
 * same A (LLaMA's q, k, v; gate and up) are one call: A is packed once and their blocks share the counter.
 * An output block is held transposed, {@code [NB][mbp]}, while all of K is added up; per K block its W
 * rows are copied once, and each tile of {@value #MW} of them (L1) meets every A panel of the block
 * (streamed from L2; the other loop order measured 7–10 % slower with the 4-row tile, 0.97–1.00× with this one).
 *
 * <p>Reproducible by construction: output (m, n) is one FMA chain over k = 0 … K-1 in order,
 * starting at the bias (or 0), whichever tile, edge, block or thread computes it; padded rows of an A
 * panel are zeros, and rows of a W tile past N only touch outputs nobody stores. The result depends
 * neither on the thread count nor on the blocking, nor on which thread took which block.
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
    /** Register tile: MW rows of W × MA rows of A (blocks are multiples of MW rows: a block's last tile stays inside {@code c}). */
    static final int MW = 6, MA = 2 * L;
    /**
     * Cache blocks: K block (a W tile of MW·kc floats stays in L1, A's block slice of MB·kc floats in L2),
     * rows of A per block (a multiple of MA), rows of W per output block (NB·kc floats of W and NB·MB outputs in L2).
     */
    static final int KC = 256, MB = 384, NB = 120;

    /**
     * One product with the shared left operand: {@code out = A[M,K] · W[N,K]ᵀ (+ bias[N])}, element
     * (m, n) at float index {@code m·rowStride + n·colStride} of {@code out} (prior content overwritten).
     */
    record Product(RowSource w, int n, float[] bias, MemorySegment out, long rowStride, long colStride) {
        /** The product with a weight matrix as W. */
        Product(WeightMatrix w, float[] bias, MemorySegment out, long rowStride, long colStride) {
            this(w::pack, w.rows(), bias, out, rowStride, colStride);
        }
    }

    /** {@code out = A[M,K] · W[N,K]ᵀ (+ bias)}: one {@link Product}. */
    static void multiply(Parallel par, RowSource a, int m, RowSource w, int n, int k, float[] bias,
                         MemorySegment out, long rowStride, long colStride) {
        multiply(par, a, m, k, new Product(w, n, bias, out, rowStride, colStride));
    }

    /** {@link #multiply} with a weight matrix as W. */
    static void multiply(Parallel par, RowSource a, int m, WeightMatrix w, float[] bias,
                         MemorySegment out, long rowStride, long colStride) {
        multiply(par, a, m, w.cols(), new Product(w, bias, out, rowStride, colStride));
    }

    /** Every product of {@code products} with the same {@code A[M,K]}: A packed once per row block, all output blocks from one counter. */
    static void multiply(Parallel par, RowSource a, int m, int k, Product... products) {
        int blocks = Math.max(1, (k + KC - 1) / KC), kc = (k + blocks - 1) / blocks;
        int mbp = (Math.min(MB, m) + MA - 1) / MA * MA;
        Block[] outputBlocks = outputBlocks(products, evenBlockRows(products, par.threads()));
        float[] aPanels = new float[mbp * k];                      // A's block for all of K, shared
        Worker[] workers = new Worker[par.threads()];
        for (int m0 = 0; m0 < m; m0 += MB) {
            int mb0 = m0, mb1 = Math.min(m, m0 + MB);
            par.forRange((mb1 - mb0 + MA - 1) / MA, (p0, p1) ->
                    packA(a, mb0 + p0 * MA, Math.min(mb1, mb0 + p1 * MA), mb0, k, kc, mbp, aPanels));
            AtomicInteger next = new AtomicInteger();
            par.forRange(workers.length, (t, unused) -> {
                for (int b; (b = next.getAndIncrement()) < outputBlocks.length; ) {
                    if (workers[t] == null) workers[t] = new Worker(aPanels, mbp, kc, k);
                    Block o = outputBlocks[b];
                    workers[t].outputBlock(o.product(), mb0, mb1, o.j0(), o.j1());
                }
            });
        }
    }

    /**
     * Rows of W per output block: at most {@value #NB}, a multiple of {@value #MW}, and as many blocks
     * in all as a whole number of rounds of the threads needs (each thread gets the same work).
     */
    private static int evenBlockRows(Product[] products, int threads) {
        long rows = 0;
        for (Product p : products) rows += p.n();
        long rounds = Math.max(1, ((rows + NB - 1) / NB + threads - 1) / threads), target = rounds * threads;
        return (int) Math.min(NB, ((rows + target - 1) / target + MW - 1) / MW * MW);
    }

    /** An output block: rows {@code [j0, j1)} of a product's W. */
    private record Block(Product product, int j0, int j1) {}

    /** Output blocks of {@code nb} rows (a product's last one shorter), product after product. */
    private static Block[] outputBlocks(Product[] products, int nb) {
        List<Block> blocks = new ArrayList<>();
        for (Product p : products)
            for (int j = 0; j < p.n(); j += nb) blocks.add(new Block(p, j, Math.min(p.n(), j + nb)));
        return blocks.toArray(Block[]::new);
    }

    /** k rounded up to a multiple of the vector length (the padded row length of some callers' layouts). */
    static int roundUp(int k) { return (k + L - 1) / L * L; }

    /**
     * Rows {@code [r0, r1)} of A (of the block from {@code m0}) into their panels of {@code aPanels}:
     * K block {@code k0} at {@code k0·mbp}, the panel of row r at {@code + (r - m0)·len}, element
     * {@code [kk][r mod MA]}; rows of a panel past {@code r1} are zeros.
     */
    private static void packA(RowSource a, int r0, int r1, int m0, int k, int kc, int mbp, float[] aPanels) {
        float[] rows = new float[(r1 - r0) * kc];
        int[] gather = new int[L];
        for (int k0 = 0; k0 < k; k0 += kc) {
            int k1 = Math.min(k, k0 + kc), len = k1 - k0;
            a.pack(r0, r1, k0, k1, rows, len);
            for (int r = 0; r < L; r++) gather[r] = r * len;
            for (int i = r0; i < r1; i += MA) {
                int from = (i - r0) * len, count = Math.min(MA, r1 - i), at = k0 * mbp + (i - m0) * len;
                if (count == MA)                                    // L rows per gather
                    for (int kk = 0, d = at; kk < len; kk++, d += MA) {
                        FloatVector.fromArray(S, rows, from + kk, gather, 0).intoArray(aPanels, d);
                        FloatVector.fromArray(S, rows, from + L * len + kk, gather, 0).intoArray(aPanels, d + L);
                    }
                else {
                    Arrays.fill(aPanels, at, at + len * MA, 0f);
                    for (int r = 0; r < count; r++)
                        for (int kk = 0, s = from + r * len, d = at + r; kk < len; kk++, d += MA) aPanels[d] = rows[s + kk];
                }
            }
        }
    }

    /** One thread's output blocks against the shared A panels, with its own copy of W's rows and output block. */
    private static final class Worker {
        private final float[] aPanels;
        private final int k, kc, mbp;
        /** The output block's W rows, one K block, row r at {@code r·len}. */
        private final float[] wRows;
        /** The output block transposed, {@code [NB][mbp]}, the kernels accumulate in (L2); columns past M are scratch. */
        private final float[] c;
        /** Offsets of L consecutive rows of {@link #c} (a gather's index map for the transposing store). */
        private final int[] gather = new int[L];

        Worker(float[] aPanels, int mbp, int kc, int k) {
            this.aPanels = aPanels; this.mbp = mbp; this.kc = kc; this.k = k;
            this.wRows = new float[NB * kc];
            this.c = new float[NB * mbp];
            for (int r = 0; r < L; r++) gather[r] = r * mbp;
        }

        /** Outputs of rows [m0, m1) × columns [nb, nb1) (at most NB) of product p, all of K. */
        void outputBlock(Product p, int m0, int m1, int nb, int nb1) {
            float[] bias = p.bias();
            for (int j = nb; j < nb1; j++) Arrays.fill(c, (j - nb) * mbp, (j - nb + 1) * mbp, bias == null ? 0f : bias[j]);
            for (int k0 = 0; k0 < k; k0 += kc) {
                int k1 = Math.min(k, k0 + kc), len = k1 - k0;
                p.w().pack(nb, nb1, k0, k1, wRows, len);
                for (int j = nb; j < nb1; j += MW)
                    for (int i = m0; i < m1; i += MA)
                        kernel(aPanels, k0 * mbp + (i - m0) * len, wRows, (j - nb) * len, len, (j - nb) * mbp + i - m0);
            }
            store(p.out(), p.rowStride(), p.colStride(), m0, m1, nb, nb1);
        }

        /** The block into {@code out}: rows of {@link #c} as they are when A's rows are contiguous there, else transposed by gathers. */
        private void store(MemorySegment out, long rowStride, long colStride, int m0, int m1, int nb, int nb1) {
            int rows = m1 - m0, cols = nb1 - nb;
            if (rowStride == 1) {
                for (int j = 0; j < cols; j++) MemorySegment.copy(c, j * mbp, out, HalfVectors.F32, (m0 + (nb + j) * colStride) * 4, rows);
                return;
            }
            int vecEnd = colStride == 1 ? cols - cols % L : 0;
            for (int r = 0; r < rows; r++) {
                long at = (m0 + r) * rowStride + nb * colStride;
                for (int j = 0; j < vecEnd; j += L)
                    FloatVector.fromArray(S, c, j * mbp + r, gather, 0).intoMemorySegment(out, (at + j) * 4, HalfVectors.LE);
                for (int j = vecEnd; j < cols; j++) out.setAtIndex(HalfVectors.F32, at + j * colStride, c[j * mbp + r]);
            }
        }

        /**
         * Output tile {@code c[ci + r·mbp + (0..MA-1)]} += W row {@code wr[wi + r·len + kk]} × A panel
         * {@code ap[ai + kk·MA + (0..MA-1)]} over kk < len, r < MW: one FMA chain per element.
         */
        private void kernel(float[] ap, int ai, float[] wr, int wi, int len, int ci) {
            float[] t = c;
            int c1 = ci + mbp, c2 = ci + 2 * mbp, c3 = ci + 3 * mbp, c4 = ci + 4 * mbp, c5 = ci + 5 * mbp;
            int w1 = wi + len, w2 = wi + 2 * len, w3 = wi + 3 * len, w4 = wi + 4 * len, w5 = wi + 5 * len;
            FloatVector c00 = FloatVector.fromArray(S, t, ci), c01 = FloatVector.fromArray(S, t, ci + L);
            FloatVector c10 = FloatVector.fromArray(S, t, c1), c11 = FloatVector.fromArray(S, t, c1 + L);
            FloatVector c20 = FloatVector.fromArray(S, t, c2), c21 = FloatVector.fromArray(S, t, c2 + L);
            FloatVector c30 = FloatVector.fromArray(S, t, c3), c31 = FloatVector.fromArray(S, t, c3 + L);
            FloatVector c40 = FloatVector.fromArray(S, t, c4), c41 = FloatVector.fromArray(S, t, c4 + L);
            FloatVector c50 = FloatVector.fromArray(S, t, c5), c51 = FloatVector.fromArray(S, t, c5 + L);
            for (int kk = 0; kk < len; kk++) {
                int x = ai + kk * MA;
                FloatVector a0 = FloatVector.fromArray(S, ap, x), a1 = FloatVector.fromArray(S, ap, x + L);
                FloatVector v = FloatVector.broadcast(S, wr[wi + kk]);
                c00 = v.fma(a0, c00); c01 = v.fma(a1, c01);
                v = FloatVector.broadcast(S, wr[w1 + kk]);
                c10 = v.fma(a0, c10); c11 = v.fma(a1, c11);
                v = FloatVector.broadcast(S, wr[w2 + kk]);
                c20 = v.fma(a0, c20); c21 = v.fma(a1, c21);
                v = FloatVector.broadcast(S, wr[w3 + kk]);
                c30 = v.fma(a0, c30); c31 = v.fma(a1, c31);
                v = FloatVector.broadcast(S, wr[w4 + kk]);
                c40 = v.fma(a0, c40); c41 = v.fma(a1, c41);
                v = FloatVector.broadcast(S, wr[w5 + kk]);
                c50 = v.fma(a0, c50); c51 = v.fma(a1, c51);
            }
            c00.intoArray(t, ci); c01.intoArray(t, ci + L); c10.intoArray(t, c1); c11.intoArray(t, c1 + L);
            c20.intoArray(t, c2); c21.intoArray(t, c2 + L); c30.intoArray(t, c3); c31.intoArray(t, c3 + L);
            c40.intoArray(t, c4); c41.intoArray(t, c4 + L); c50.intoArray(t, c5); c51.intoArray(t, c5 + L);
        }
    }
}
