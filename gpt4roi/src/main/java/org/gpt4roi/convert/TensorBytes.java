package org.gpt4roi.convert;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;

/** A host tensor's elements as contiguous row-major little-endian bytes. */
final class TensorBytes {
    private TensorBytes() {}

    /**
     * The bytes in place when the tensor is contiguous; otherwise a copy into {@code arena} that walks
     * the strides (a transposed or sliced view in a PyTorch checkpoint), one innermost run at a time.
     */
    static MemorySegment contiguous(Tensor t, Arena arena) {
        int size = t.dtype().size;
        long bytes = t.numel() * size;
        if (t.numel() == 0) return MemorySegment.ofArray(new byte[0]);
        if (t.isContiguous()) return t.segment().asSlice(0, bytes);
        MemorySegment out = arena.allocate(bytes, 64);
        MemorySegment storage = t.segment();   // from the tensor's first element
        int rank = t.rank(), inner = t.dim(rank - 1);
        long innerStride = t.stride(rank - 1);
        int[] idx = new int[rank - 1];          // index over all but the innermost dimension
        for (long row = 0, rows = t.numel() / inner, at = 0; row < rows; row++) {
            long e = 0;
            for (int d = 0; d < rank - 1; d++) e += idx[d] * t.stride(d);
            if (innerStride == 1) {
                MemorySegment.copy(storage, e * size, out, at, (long) inner * size);
                at += (long) inner * size;
            } else {
                for (int i = 0; i < inner; i++, at += size) MemorySegment.copy(storage, (e + i * innerStride) * size, out, at, size);
            }
            for (int d = rank - 2; d >= 0 && ++idx[d] == t.dim(d); d--) idx[d] = 0;
        }
        return out;
    }

    /**
     * Drops the pages of memory-mapped tensors that have been copied out (the file stays mapped and
     * is re-read if touched again), so resident memory stays near one tensor during a conversion.
     */
    static void unload(Tensor... tensors) {
        for (Tensor t : tensors)
            if (t != null && t.storage() instanceof HostStorage h && h.segment().isMapped()) h.segment().unload();
    }
}
