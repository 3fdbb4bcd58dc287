package org.gpt4roi.kernels.opencl;

import static org.gpt4roi.kernels.opencl.OpenClBackend.require;
import static org.gpt4roi.kernels.opencl.OpenClBackend.shape;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Tensor;

/** Strided copies (with dtype conversion) and embedding gathers, on the kernels of copy.cl. */
final class ClCopy {
    private ClCopy() {}

    private static final int MAX_RANK = 8;

    /** {@code dst ← src} for two views of equal shape; src F32/F16/BF16, dst F32. */
    static void copy(OpenClBackend b, Tensor src, Tensor dst) {
        require(Arrays.equals(src.shape(), dst.shape()), "copy", "shapes differ: " + shape(src) + " vs " + shape(dst));
        require(dst.storage() instanceof ClBuffer, "copy", "the destination must be a tensor of this backend, not " + dst);
        require(dst.dtype() == DType.F32, "copy", "the destination must be F32, not " + dst.dtype());
        require(src.rank() <= MAX_RANK, "copy", "rank " + src.rank() + " is above " + MAX_RANK);
        long n = src.numel();
        if (n == 0) return;
        if (src.dtype() == DType.F32 && src.isContiguous() && dst.isContiguous()) {
            b.rt.copyBuffer((ClBuffer) src.storage(), src.offset() * 4, (ClBuffer) dst.storage(), dst.offset() * 4, n * 4);
            return;
        }
        int[] shape = new int[MAX_RANK], srcStride = new int[MAX_RANK], dstStride = new int[MAX_RANK];
        Arrays.fill(shape, 1);
        int pad = MAX_RANK - src.rank();
        for (int d = 0; d < src.rank(); d++) {
            shape[pad + d] = src.dim(d);
            srcStride[pad + d] = Math.toIntExact(src.stride(d));
            dstStride[pad + d] = Math.toIntExact(dst.stride(d));
        }
        b.launchElements("copy", ClRuntime.weightDefine(src.dtype()), "copy_strided", n,
                src, dst, shape, srcStride, dstStride, (int) n);
    }

    /** Rows {@code table[ids[t]]} of a device table {@code [V, D]} (F32/F16/BF16) → F32 {@code [T, D]}. */
    static Tensor embedding(OpenClBackend b, Tensor table, int[] ids) {
        require(table.rank() == 2, "embedding", "the table must be [V, D], not " + shape(table));
        int vocab = table.dim(0), dim = table.dim(1);
        for (int t = 0; t < ids.length; t++)
            if (ids[t] < 0 || ids[t] >= vocab)
                throw new InputException("token id " + ids[t] + " at position " + t + " is outside the embedding table of "
                        + vocab + " rows");
        Tensor out = b.newTensor(ids.length, dim);
        if (ids.length == 0 || dim == 0) return out;
        ClBuffer idBuffer = b.allocate(4L * ids.length, MemorySegment.ofArray(ids));
        b.launch("copy", ClRuntime.weightDefine(table.dtype()), "embedding",
                new long[] {dim, ids.length}, new long[] {64, 1}, table, idBuffer, out, ids.length, dim);
        idBuffer.release();
        return out;
    }
}
