package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
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
    static int rows(DType dtype) { return dtype == DType.F32 ? MAX_ROWS : 4; }
    /** The largest group: the length a {@code dots} array needs. */
    static final int MAX_ROWS = 8;
    static final VectorSpecies<Float> S = HalfVectors.FLOATS;
    static final int L = HalfVectors.LANES;

    final float[] xs;
    /** Lane sums are scaled by 2^sumExponent before the scalar tail (F16: undoes the operand's scale). */
    final int sumExponent;
    final WeightMatrix w;
    final MemorySegment seg;
    final int k, blockEnd;
    /** Block steps (2·L, L) read from fields: keeps C2 from unrolling the loops and spilling (see CpuGemm). */
    final int twoVectors, oneVector;
    /** Per row of a group, the vector of block sums; one row's lanes while they are summed. */
    final float[] blocks = new float[MAX_ROWS * L], lanes = new float[L];

    private RowDot(Operand x, WeightMatrix w) {
        this.xs = x.values(); this.sumExponent = x.sumExponent();
        this.w = w; this.seg = w.segment();
        this.k = w.cols(); this.blockEnd = blockEnd(k);
        this.twoVectors = 2 * L;
        this.oneVector = L;
    }

    /**
     * x as a kernel reads it: {@code values} in the weight type's element order and scale, whose lane
     * sums are multiplied by 2^{@code sumExponent}; {@code x} as given (for rows computed another way).
     */
    record Operand(float[] values, int sumExponent, float[] x) {}

    /**
     * x in the order the kernel for {@code w}'s type reads it: natural (F32) or the pair order of
     * {@link HalfVectors#pairs} (BF16, F16). For F16 the vector part is also multiplied by 2^s, s =
     * 64 unless |x| reaches 2^63, to make up for {@link HalfVectors#f16LowScaled}'s 2^−112: products
     * and partial sums are then the F32 ones times 2^(s−112), rounded alike, and the lane sums are
     * scaled back exactly — the same bits as F32 arithmetic on the converted weights unless a product
     * or partial sum falls below 2^−(14+s) (2^−78) in magnitude, where the scaled one is subnormal.
     */
    static Operand operand(WeightMatrix w, float[] x) {
        int end = blockEnd(w.cols());
        return switch (w.dtype()) {
            case BF16 -> new Operand(HalfVectors.pairOrder(x, end), 0, x);
            case F16 -> {
                float max = 0;
                for (int i = 0; i < end; i++) max = Math.max(max, Math.abs(x[i]));
                int s = max < 0x1p63f || !Float.isFinite(max) ? 64 : 62 - Math.getExponent(max);
                float[] v = HalfVectors.pairOrder(x, end);
                float scale = Math.scalb(1f, s);                       // a normal float for -65 ≤ s ≤ 64
                for (int i = 0; i < end; i++) v[i] *= scale;
                yield new Operand(v, HalfVectors.F16_SCALE - s, x);
            }
            default -> new Operand(x, 0, x);
        };
    }

    /** The kernel for {@code w}'s type, with x from {@link #operand}; {@code nonFinite}: F16 rows with an Inf or NaN ({@link HalfScan}). */
    static RowDot of(Operand x, WeightMatrix w, BitSet nonFinite) {
        return switch (w.dtype()) {
            case F16 -> new F16(x, w, nonFinite);
            case BF16 -> new BF16(x, w);
            default -> new F32(x, w);
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
            float s = Math.scalb(LaneSums.sum(lanes), sumExponent);
            for (int kk = blockEnd; kk < k; kk++) s = Math.fma(xs[kk], w.get(row, kk), s);
            dots[r] = s;
        }
    }

    /** F32 rows read in place, eight at a time, one FMA chain each over blocks of L. */
    static final class F32 extends RowDot {
        F32(Operand x, WeightMatrix w) { super(x, w); }

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
     * F16 rows converted in registers ({@link HalfVectors#f16LowScaled}), x in pair order and scaled
     * by {@link #operand}: the BF16 loop plus two integer operations per vector. It reads 1.5–1.8× as
     * fast from memory as converting chunks into an L1 buffer with {@code vcvtph2ps} and multiplying
     * those, which spent ≈ 30 instructions per cache line, too many for the reorder buffer to keep
     * enough line misses in flight (see docs/BENCHMARKS.md). The loop just fits C2's
     * NodeCountInliningCutoff (with the mask a constant vector, not a broadcast scalar: over it the
     * vectors stay boxed, 7–9 GB/s instead of 17–27 on 11008×4096). Rows holding an Inf or NaN, which the
     * conversion cannot express, are recomputed one element at a time: their result is not finite,
     * whatever the order of the sum.
     */
    static final class F16 extends RowDot {
        private final BitSet nonFinite;
        private final float[] x;

        F16(Operand x, WeightMatrix w, BitSet nonFinite) { super(x, w); this.nonFinite = nonFinite; this.x = x.x(); }

        @Override void dots(int n, int last, float[] dots) {
            long r0 = (long) n * k, r1 = (long) Math.min(n + 1, last) * k, r2 = (long) Math.min(n + 2, last) * k, r3 = (long) Math.min(n + 3, last) * k;
            FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            for (int kk = 0; kk < blockEnd; kk += twoVectors) {
                FloatVector xe = x(kk), xo = x(kk + L);
                IntVector p = HalfVectors.pairs(seg, r0 + kk);
                a0 = xe.fma(HalfVectors.f16LowScaled(p), a0); b0 = xo.fma(HalfVectors.f16HighScaled(p), b0);
                p = HalfVectors.pairs(seg, r1 + kk);
                a1 = xe.fma(HalfVectors.f16LowScaled(p), a1); b1 = xo.fma(HalfVectors.f16HighScaled(p), b1);
                p = HalfVectors.pairs(seg, r2 + kk);
                a2 = xe.fma(HalfVectors.f16LowScaled(p), a2); b2 = xo.fma(HalfVectors.f16HighScaled(p), b2);
                p = HalfVectors.pairs(seg, r3 + kk);
                a3 = xe.fma(HalfVectors.f16LowScaled(p), a3); b3 = xo.fma(HalfVectors.f16HighScaled(p), b3);
            }
            a0.add(b0).intoArray(blocks, 0); a1.add(b1).intoArray(blocks, L);
            a2.add(b2).intoArray(blocks, 2 * L); a3.add(b3).intoArray(blocks, 3 * L);
            finish(n, last, 4, dots);
            for (int r = 0; r < 4; r++) {
                int row = Math.min(n + r, last);
                if (nonFinite.get(row)) dots[r] = elementByElement(row);
            }
        }

        /** {@code x · w[row]} as one FMA chain over the exactly converted elements. */
        private float elementByElement(int row) {
            float s = 0;
            for (int kk = 0; kk < k; kk++) s = Math.fma(x[kk], w.get(row, kk), s);
            return s;
        }
    }

    /** BF16 rows converted in registers (a shift or a mask), x in pair order. */
    static final class BF16 extends RowDot {
        BF16(Operand x, WeightMatrix w) { super(x, w); }

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
