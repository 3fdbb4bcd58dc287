package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.Tensor;

/**
 * Element copies between host tensors: strided views (transposes, channel slices, concatenation,
 * row splicing), the embedding lookup, and the "make it contiguous F32" step the other kernels use.
 */
final class CpuCopy {
    private CpuCopy() {}

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code dst ← src}: equal shapes, any strides; src any float dtype, dst F32. */
    static void copy(Tensor src, Tensor dst) {
        if (!Arrays.equals(src.shape(), dst.shape()))
            throw new IllegalArgumentException("copy: shapes differ, " + src + " → " + dst);
        if (dst.dtype() != DType.F32) throw new IllegalArgumentException("copy: destination must be F32, got " + dst);
        if (!src.dtype().isFloat()) throw new IllegalArgumentException("copy: source must be a float tensor, got " + src);
        if (src.numel() == 0) return;

        // Merge dims that are laid out back to back in both tensors, so the inner run is as long as possible.
        int[] shape = src.shape();
        long[] ss = src.strides(), ds = dst.strides();
        int rank = 0;
        int[] mShape = new int[Math.max(1, shape.length)];
        long[] mSs = new long[mShape.length], mDs = new long[mShape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            if (rank > 0 && mSs[rank - 1] == ss[i] * shape[i] && mDs[rank - 1] == ds[i] * shape[i]) {
                mShape[rank - 1] *= shape[i];
                mSs[rank - 1] = ss[i];
                mDs[rank - 1] = ds[i];
            } else {
                mShape[rank] = shape[i]; mSs[rank] = ss[i]; mDs[rank] = ds[i]; rank++;
            }
        }
        if (rank == 0) { mShape[0] = 1; mSs[0] = 1; mDs[0] = 1; rank = 1; }

        MemorySegment in = src.segment(), out = dst.segment();
        DType type = src.dtype();
        int inner = mShape[rank - 1];
        long sIn = mSs[rank - 1], dIn = mDs[rank - 1];
        int[] idx = new int[rank - 1];
        long so = 0, dO = 0;
        while (true) {
            copyRun(in, type, so, sIn, out, dO, dIn, inner);
            int d = rank - 2;
            for (; d >= 0; d--) {
                so += mSs[d]; dO += mDs[d];
                if (++idx[d] < mShape[d]) break;
                so -= mSs[d] * mShape[d]; dO -= mDs[d] * mShape[d];
                idx[d] = 0;
            }
            if (d < 0) return;
        }
    }

    /** Copies {@code n} elements starting at element offsets {@code so}/{@code dO} with the given element strides. */
    private static void copyRun(MemorySegment in, DType type, long so, long sStride, MemorySegment out, long dO, long dStride, int n) {
        if (type == DType.F32 && sStride == 1 && dStride == 1) {
            MemorySegment.copy(in, so * 4, out, dO * 4, n * 4L);
            return;
        }
        for (int i = 0; i < n; i++)
            out.set(F32, (dO + i * dStride) * 4, read(in, type, so + i * sStride));
    }

    /** Element {@code e} of a segment of the given float dtype, as float. */
    static float read(MemorySegment seg, DType type, long e) {
        return switch (type) {
            case F32 -> seg.get(F32, e * 4);
            case F16 -> HalfFloats.f16ToF32(seg.get(I16, e * 2));
            case BF16 -> HalfFloats.bf16ToF32(seg.get(I16, e * 2));
            case F64 -> (float) seg.get(F64, e * 8);
            default -> throw new IllegalArgumentException("not a float dtype: " + type);
        };
    }

    /** {@code t} itself when contiguous F32, else a contiguous F32 copy. */
    static Tensor contiguous(Tensor t) {
        if (t.isContiguous() && t.dtype() == DType.F32) return t;
        Tensor out = Tensor.zeros(DType.F32, t.shape());
        copy(t, out);
        return out;
    }

    /** A small tensor (weights of a norm, say) as a float array, any dtype and strides. */
    static float[] floats(Tensor t) { return t.toFloatArray(); }

    /** Rows {@code table[ids[t]]} of {@code table[V,D]} (any float dtype, any strides) → {@code [T,D]} F32. */
    static Tensor embedding(Tensor table, int[] ids) {
        if (table.rank() != 2) throw new IllegalArgumentException("embedding: table must be [V,D], got " + table);
        int vocab = table.dim(0), width = table.dim(1);
        Tensor out = Tensor.zeros(DType.F32, ids.length, width);
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0 || ids[t] >= vocab)
                throw new IllegalArgumentException("token id " + ids[t] + " at position " + t
                        + " is outside the embedding table of " + vocab + " rows");
            copy(table.get(ids[t]), out.get(t));
        }
        return out;
    }
}
