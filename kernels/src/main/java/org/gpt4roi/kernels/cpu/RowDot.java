package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;
import org.gpt4roi.tensor.DType;

/**
 * One thread's {@code x · w[n]} for decode's one-row products, several rows at a time (rows stream
 * in parallel: four give 1.5–2× the bandwidth of one, eight F32 rows 25 % more than four on
 * 2048×2048): one or two FMA chains per row over blocks of L or 2·L elements, a fixed-order lane
 * sum, then the scalar tail. A row's arithmetic does not depend on its neighbours, so a group cut
 * short by the end of a thread's rows repeats its last row and the caller drops the copies.
 *
 * <p>One subclass per weight type, so that each loop is its own compilation unit with its own
 * profile: a shared loop with a dtype switch, once it had seen F16, exceeded C2's inlining budget
 * and left the vectors boxed (a D2048 F32 decode after an F16 one ran at a quarter of its speed).
 */
abstract sealed class RowDot {
    /** Rows per group; {@link #dots} fills that many. */
    static int rows(DType dtype) { return dtype == DType.F32 ? 8 : 4; }
    static final VectorSpecies<Float> S = HalfVectors.FLOATS;
    static final int L = HalfVectors.LANES;

    final float[] xs;
    final WeightMatrix w;
    final MemorySegment seg;
    final int k, blockEnd;
    /** Block steps (2·L, L) read from fields: keeps C2 from unrolling the loops and spilling (see CpuGemm). */
    final int twoVectors, oneVector;
    /** Per row of a group (at most eight), the vector of block sums; one row's lanes while they are summed. */
    final float[] blocks = new float[8 * L], lanes = new float[L];

    private RowDot(float[] xs, WeightMatrix w) {
        this.xs = xs; this.w = w; this.seg = w.segment();
        this.k = w.cols(); this.blockEnd = blockEnd(k);
        this.twoVectors = 2 * L;
        this.oneVector = L;
    }

    /** x in the order the kernel for {@code w}'s type reads it: natural (F32, F16) or the pair order of {@link HalfVectors#pairs} (BF16). */
    static float[] operand(WeightMatrix w, float[] x) {
        return w.dtype() == DType.BF16 ? HalfVectors.pairOrder(x, blockEnd(w.cols())) : x;
    }

    /** The kernel for {@code w}'s type, with x from {@link #operand}. */
    static RowDot of(float[] xs, WeightMatrix w) {
        return switch (w.dtype()) {
            case F16 -> new F16(xs, w);
            case BF16 -> new BF16(xs, w);
            default -> new F32(xs, w);
        };
    }

    /** Where the vector blocks end and the scalar tail begins. */
    static int blockEnd(int k) { return k - k % (2 * L); }

    /** {@code dots[r] = x · w[min(n + r, last)]} for r < {@link #rows}. */
    abstract void dots(int n, int last, float[] dots);

    final FloatVector x(int i) { return FloatVector.fromArray(S, xs, i); }

    /**
     * Rows {@code min(n + r, last)}, r < count, whose block sums the subclass left in
     * {@code blocks[r·L ..]}: each row's lane sum plus its scalar tail, into {@code dots[r]}. Vectors
     * never cross a call: a non-inlined callee (C2 declines once it compiled this for another weight
     * type) would box them, which halved the F32 decode after an F16 one.
     */
    final void finish(int n, int last, int count, float[] dots) {
        for (int r = 0; r < count; r++) {
            int row = Math.min(n + r, last);
            System.arraycopy(blocks, r * L, lanes, 0, L);
            float s = LaneSums.sum(lanes);
            for (int kk = blockEnd; kk < k; kk++) s = Math.fma(xs[kk], w.get(row, kk), s);
            dots[r] = s;
        }
    }

    /** F32 rows read in place, eight at a time, one FMA chain each over blocks of L. */
    static final class F32 extends RowDot {
        F32(float[] xs, WeightMatrix w) { super(xs, w); }

        @Override void dots(int n, int last, float[] dots) {
            long rs = (long) k * 4;
            long r0 = n * rs, r1 = Math.min(n + 1, last) * rs, r2 = Math.min(n + 2, last) * rs, r3 = Math.min(n + 3, last) * rs;
            long r4 = Math.min(n + 4, last) * rs, r5 = Math.min(n + 5, last) * rs, r6 = Math.min(n + 6, last) * rs, r7 = Math.min(n + 7, last) * rs;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int kk = 0; kk < blockEnd; kk += oneVector) {
                FloatVector x0 = x(kk);
                long o = kk * 4L;
                a0 = x0.fma(load(r0 + o), a0); a1 = x0.fma(load(r1 + o), a1);
                a2 = x0.fma(load(r2 + o), a2); a3 = x0.fma(load(r3 + o), a3);
                a4 = x0.fma(load(r4 + o), a4); a5 = x0.fma(load(r5 + o), a5);
                a6 = x0.fma(load(r6 + o), a6); a7 = x0.fma(load(r7 + o), a7);
            }
            a0.intoArray(blocks, 0); a1.intoArray(blocks, L); a2.intoArray(blocks, 2 * L); a3.intoArray(blocks, 3 * L);
            a4.intoArray(blocks, 4 * L); a5.intoArray(blocks, 5 * L); a6.intoArray(blocks, 6 * L); a7.intoArray(blocks, 7 * L);
            finish(n, last, 8, dots);
        }

        private FloatVector load(long byteOffset) { return FloatVector.fromMemorySegment(S, seg, byteOffset, HalfVectors.LE); }
    }

    /**
     * F16 rows, converted {@value #CHUNK} elements at a time into an L1 buffer ({@link
     * HalfVectors#f16ToFloats}), then multiplied exactly as F32 rows are. The conversion loop reads
     * one row after the other, a single stream (7–10 GB/s on two cores); touching every cache line of
     * the four rows' chunk first brings them in in parallel (12–16 GB/s, standalone test).
     */
    static final class F16 extends RowDot {
        static final int CHUNK = 1024;
        /** Halves per 64-byte cache line. */
        private static final int LINE = 32;
        /** Row r of the group at {@code converted[r·CHUNK]}. */
        private final float[] converted = new float[4 * CHUNK];
        /** The touched elements' sum: written so that the JIT keeps the loads. */
        int touched;

        F16(float[] xs, WeightMatrix w) { super(xs, w); }

        @Override void dots(int n, int last, float[] dots) {
            long r0 = (long) n * k, r1 = (long) Math.min(n + 1, last) * k, r2 = (long) Math.min(n + 2, last) * k, r3 = (long) Math.min(n + 3, last) * k;
            float[] c = converted;
            FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            for (int c0 = 0; c0 < blockEnd; c0 += CHUNK) {
                int len = Math.min(CHUNK, blockEnd - c0);
                touched += touch(r0 + c0, r1 + c0, r2 + c0, r3 + c0, len);
                HalfVectors.f16ToFloats(seg, r0 + c0, c, 0, len);
                HalfVectors.f16ToFloats(seg, r1 + c0, c, CHUNK, len);
                HalfVectors.f16ToFloats(seg, r2 + c0, c, 2 * CHUNK, len);
                HalfVectors.f16ToFloats(seg, r3 + c0, c, 3 * CHUNK, len);
                for (int kk = 0; kk < len; kk += twoVectors) {
                    FloatVector x0 = x(c0 + kk), x1 = x(c0 + kk + L);
                    a0 = x0.fma(row(c, kk), a0); b0 = x1.fma(row(c, kk + L), b0);
                    a1 = x0.fma(row(c, CHUNK + kk), a1); b1 = x1.fma(row(c, CHUNK + kk + L), b1);
                    a2 = x0.fma(row(c, 2 * CHUNK + kk), a2); b2 = x1.fma(row(c, 2 * CHUNK + kk + L), b2);
                    a3 = x0.fma(row(c, 3 * CHUNK + kk), a3); b3 = x1.fma(row(c, 3 * CHUNK + kk + L), b3);
                }
            }
            a0.add(b0).intoArray(blocks, 0); a1.add(b1).intoArray(blocks, L);
            a2.add(b2).intoArray(blocks, 2 * L); a3.add(b3).intoArray(blocks, 3 * L);
            finish(n, last, 4, dots);
        }

        private static FloatVector row(float[] c, int i) { return FloatVector.fromArray(S, c, i); }

        /** One element of each cache line of {@code len} halves from each of four rows, summed. */
        private int touch(long r0, long r1, long r2, long r3, int len) {
            int sum = 0;
            for (int q = 0; q < len; q += LINE)
                sum += seg.getAtIndex(HalfVectors.I16, r0 + q) + seg.getAtIndex(HalfVectors.I16, r1 + q)
                        + seg.getAtIndex(HalfVectors.I16, r2 + q) + seg.getAtIndex(HalfVectors.I16, r3 + q);
            return sum;
        }
    }

    /** BF16 rows converted in registers (a shift or a mask), x in pair order. */
    static final class BF16 extends RowDot {
        BF16(float[] xs, WeightMatrix w) { super(xs, w); }

        @Override void dots(int n, int last, float[] dots) {
            long r0 = (long) n * k, r1 = (long) Math.min(n + 1, last) * k, r2 = (long) Math.min(n + 2, last) * k, r3 = (long) Math.min(n + 3, last) * k;
            FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            for (int kk = 0; kk < blockEnd; kk += twoVectors) {
                FloatVector xe = x(kk), xo = x(kk + L);
                IntVector p = HalfVectors.pairs(seg, r0 + kk);
                a0 = xe.fma(HalfVectors.bf16ToF32(p), a0); b0 = xo.fma(p.and(0xffff_0000).reinterpretAsFloats(), b0);
                p = HalfVectors.pairs(seg, r1 + kk);
                a1 = xe.fma(HalfVectors.bf16ToF32(p), a1); b1 = xo.fma(p.and(0xffff_0000).reinterpretAsFloats(), b1);
                p = HalfVectors.pairs(seg, r2 + kk);
                a2 = xe.fma(HalfVectors.bf16ToF32(p), a2); b2 = xo.fma(p.and(0xffff_0000).reinterpretAsFloats(), b2);
                p = HalfVectors.pairs(seg, r3 + kk);
                a3 = xe.fma(HalfVectors.bf16ToF32(p), a3); b3 = xo.fma(p.and(0xffff_0000).reinterpretAsFloats(), b3);
            }
            a0.add(b0).intoArray(blocks, 0); a1.add(b1).intoArray(blocks, L);
            a2.add(b2).intoArray(blocks, 2 * L); a3.add(b3).intoArray(blocks, 3 * L);
            finish(n, last, 4, dots);
        }
    }
}
