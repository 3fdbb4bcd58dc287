package org.gpt4roi.convert;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.Tensor;

/**
 * The delta arithmetic of GPT4RoI's {@code apply_delta.py} as PyTorch computes it on the CPU:
 * {@code (delta.float() + base.float()).to(delta.dtype)}, i.e. the sum in F32, then one rounding to
 * nearest even (F16: {@link Float#floatToFloat16}).
 */
final class DeltaSum {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private DeltaSum() {}

    /**
     * {@code delta} with {@code base} added to its first {@code base.numel()} elements: all of them, or
     * for the embedding and lm_head the rows the base has (rows 32000.. stay as stored). Fresh bytes.
     */
    static MemorySegment merged(Tensor delta, Tensor base, Arena arena) {
        MemorySegment d = TensorBytes.contiguous(delta, arena), b = TensorBytes.contiguous(base, arena);
        MemorySegment out = arena.allocate(Math.max(1, d.byteSize()), 64).asSlice(0, d.byteSize());
        long n = base.numel(), summed = n * delta.dtype().size;
        add(d, delta.dtype(), b, base.dtype(), out, n);
        MemorySegment.copy(d, summed, out, summed, d.byteSize() - summed);
        return out;
    }

    /** {@code out[i] = round(delta[i] + base[i])} for {@code i < n}, in {@code deltaType}. */
    static void add(MemorySegment delta, DType deltaType, MemorySegment base, DType baseType, MemorySegment out, long n) {
        if (deltaType == DType.F16 && baseType == DType.F16) {   // the release's case, kept free of dtype switches
            for (long i = 0; i < n; i++) {
                float s = Float.float16ToFloat(delta.getAtIndex(I16, i)) + Float.float16ToFloat(base.getAtIndex(I16, i));
                out.setAtIndex(I16, i, HalfFloats.f32ToF16(s));
            }
            return;
        }
        for (long i = 0; i < n; i++) put(out, deltaType, i, get(delta, deltaType, i) + get(base, baseType, i));
    }

    private static float get(MemorySegment s, DType t, long i) {
        return switch (t) {
            case F32 -> s.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(s.getAtIndex(I16, i));
            case BF16 -> HalfFloats.bf16ToF32(s.getAtIndex(I16, i));
            default -> throw new IllegalArgumentException("no delta arithmetic for " + t);
        };
    }

    private static void put(MemorySegment s, DType t, long i, float v) {
        switch (t) {
            case F32 -> s.setAtIndex(F32, i, v);
            case F16 -> s.setAtIndex(I16, i, HalfFloats.f32ToF16(v));
            case BF16 -> s.setAtIndex(I16, i, HalfFloats.f32ToBf16(v));
            default -> throw new IllegalArgumentException("no delta arithmetic for " + t);
        }
    }
}
