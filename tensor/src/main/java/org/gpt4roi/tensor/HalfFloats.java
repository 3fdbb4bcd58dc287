package org.gpt4roi.tensor;

/**
 * Scalar F16 / BF16 conversions with PyTorch's rounding (round to nearest, ties to even).
 * Kernels convert in vector registers; these are for loaders, writers and tests.
 */
public final class HalfFloats {
    private HalfFloats() {}

    public static float f16ToF32(short bits) { return Float.float16ToFloat(bits); }

    /** F32 → F16, nearest even; every NaN becomes PyTorch's quiet NaN 0x7e00 (sign kept). */
    public static short f32ToF16(float v) {
        if (v != v) return (short) ((Float.floatToRawIntBits(v) >>> 16 & 0x8000) | 0x7e00);
        return Float.floatToFloat16(v);
    }

    public static float bf16ToF32(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    /** F32 → BF16 with round-to-nearest-even; NaN stays a (quiet) NaN. */
    public static short f32ToBf16(float v) {
        int x = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) 0x7FC0;                 // PyTorch's canonical NaN
        int lsb = (x >>> 16) & 1;
        return (short) ((x + 0x7fff + lsb) >>> 16);
    }
}
