package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.gpt4roi.tensor.DType;

/**
 * Loads of weight elements (F32, F16 or BF16, little-endian, any byte alignment) as F32: F32 and
 * BF16 as vectors (BF16 → F32 is a 16-bit shift); F16 either through a scalar {@code
 * Float.float16ToFloat} loop that C2 auto-vectorizes into {@code vcvtph2ps} (exact, so the bits never
 * depend on whether it did) or, for decode's one-row products, in registers as values times
 * 2<sup>−112</sup> ({@link #f16LowScaled}: two or three integer operations, finite values only).
 */
final class HalfVectors {
    private HalfVectors() {}

    static final VectorSpecies<Float> FLOATS = CpuVectors.FLOATS;
    static final int LANES = FLOATS.length();
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    /** Half-width shorts: as many lanes as {@link #FLOATS}. */
    private static final VectorSpecies<Short> HALVES =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Little-endian unaligned element layouts (weights may sit at any offset of a mapped file). */
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** {@code LANES} elements of a BF16 array in {@code seg}, from element {@code index} on, as floats (F16: {@link #f16ToFloats}). */
    static FloatVector loadBf16(MemorySegment seg, long index) { return bf16ToF32(halves(seg, index)); }

    /**
     * 2·LANES 16-bit elements from element {@code index} on, as LANES int lanes holding two each:
     * element 2l in the low and 2l+1 in the high half of lane l. BF16 pairs split into floats with a
     * shift or a mask only, without a widening shuffle; the other operand is put in that order once
     * with {@link #pairOrder}.
     */
    static IntVector pairs(MemorySegment seg, long index) { return IntVector.fromMemorySegment(INTS, seg, index * 2, LE); }

    /** BF16 bits (in the low 16 bits of each lane) → F32 values. */
    static FloatVector bf16ToF32(IntVector h) { return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); }

    /** The power of two by which {@link #f16LowScaled} and {@link #f16HighScaled} scale F16 values down. */
    static final int F16_SCALE = 112;
    /** Sign, five exponent and ten mantissa bits of an F16 element shifted to bits 31, 27–23 and 22–13. */
    private static final IntVector F16_FIELDS = IntVector.broadcast(INTS, 0x8fff_e000);

    /**
     * The F16 elements in the low halves of {@link #pairs} lanes, as F32 values times
     * 2<sup>−{@value #F16_SCALE}</sup>: the half's sign, exponent and mantissa moved into the float's
     * sign, five low exponent bits and top mantissa bits. Exact for every finite F16 value (subnormals
     * become float subnormals of the same scaled value); Inf and NaN come out finite, so callers rule
     * them out ({@link HalfScan}). The factor goes onto the other operand.
     */
    static FloatVector f16LowScaled(IntVector p) {
        return p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(F16_FIELDS).reinterpretAsFloats();
    }

    /** {@link #f16LowScaled} for the F16 elements in the high halves of the lanes. */
    static FloatVector f16HighScaled(IntVector p) {
        return p.lanewise(VectorOperators.ASHR, 3).and(F16_FIELDS).reinterpretAsFloats();
    }

    /**
     * Per lane, bit 15 (31) set when the low (high) F16 element of the pair is Inf or NaN: its five
     * exponent bits, all ones, carry into the sign position when one is added below them.
     */
    static IntVector f16NonFinite(IntVector p) { return p.and(0x7c00_7c00).add(0x0400_0400).and(0x8000_8000); }

    /**
     * {@code x[k]} in the element order of {@link #pairs}: within each block of 2·LANES below
     * {@code end} (a multiple of 2·LANES), the even elements then the odd ones. Elements from
     * {@code end} on (the caller's scalar tail) stay in place.
     */
    static float[] pairOrder(float[] x, int end) {
        float[] p = x.clone();
        for (int b = 0; b + 2 * LANES <= end; b += 2 * LANES)
            for (int l = 0; l < LANES; l++) { p[b + l] = x[b + 2 * l]; p[b + LANES + l] = x[b + 2 * l + 1]; }
        return p;
    }

    /**
     * {@code dst[at + i] = F16 element index + i} of {@code seg} as float, i < n: a plain loop that
     * C2's auto-vectorizer turns into {@code vcvtph2ps} (measured 10–20·10⁹ values/s per core from
     * L1, 2–3× an in-register conversion); exact, so the bits do not depend on it.
     */
    static void f16ToFloats(MemorySegment seg, long index, float[] dst, int at, int n) {
        for (int i = 0; i < n; i++) dst[at + i] = Float.float16ToFloat(seg.getAtIndex(I16, index + i));
    }

    /** One element of a {@code dtype} array, as float (the scalar tails of the vector loops). */
    static float loadScalar(DType dtype, MemorySegment seg, long index) {
        return switch (dtype) {
            case F32 -> seg.get(F32, index * 4);
            case F16 -> Float.float16ToFloat(seg.get(I16, index * 2));
            case BF16 -> Float.intBitsToFloat(seg.get(I16, index * 2) << 16);
            default -> throw new IllegalArgumentException("weights must be F32, F16 or BF16, not " + dtype);
        };
    }

    /** {@code LANES} 16-bit elements from element {@code index} on, sign-extended to int lanes. */
    private static IntVector halves(MemorySegment seg, long index) {
        return (IntVector) ShortVector.fromMemorySegment(HALVES, seg, index * 2, LE)
                .convertShape(VectorOperators.S2I, INTS, 0);
    }
}
