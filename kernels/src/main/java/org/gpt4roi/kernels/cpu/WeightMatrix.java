package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * A weight matrix {@code w[N,K]} (PyTorch's [out, in] layout) used in place: F32, F16 or BF16
 * elements read straight from its host segment (often a memory-mapped file, any alignment).
 * {@code readOnlyFile}: the segment maps a file read-only, so its contents never change (what
 * {@link HalfScan} may remember).
 */
record WeightMatrix(DType dtype, MemorySegment segment, int rows, int cols, boolean readOnlyFile) {

    /** The matrix view of a contiguous host tensor {@code w[N,K]} (contiguous copy as F32 otherwise). */
    static WeightMatrix of(Tensor w) {
        if (w.rank() != 2) throw new IllegalArgumentException("weight must be [N,K], got " + w);
        if (!w.isContiguous() || !(w.dtype() == DType.F32 || w.dtype() == DType.F16 || w.dtype() == DType.BF16)) w = w.toF32();
        MemorySegment s = w.segment();
        return new WeightMatrix(w.dtype(), plain(s), w.dim(0), w.dim(1), s.isMapped() && s.isReadOnly());
    }

    /**
     * A mapped segment as a plain native one over the same memory, with the same lifetime checks.
     * {@code FileChannel.map} segments are of another class than the off-heap memory of activations;
     * with both classes flowing through the JDK's vector loads, C2 compiled the decode kernel's weight
     * stream at half speed (D2048 F32 decode products: 10–15 GB/s with an RMSNorm between them,
     * 17–22 GB/s with this view).
     */
    private static MemorySegment plain(MemorySegment s) { return s.isMapped() ? s.reinterpret(s.byteSize()) : s; }

    /** Element {@code w[n,k]} as float. */
    float get(int n, int k) { return HalfVectors.loadScalar(dtype, segment, (long) n * cols + k); }

    /**
     * Rows {@code [n0,n1)}, columns {@code [k0,k1)} as F32 into {@code dst[(n-n0)·ld + (k-k0)]}:
     * a bulk copy for F32, the auto-vectorized conversion for F16, in-register shifts for BF16.
     */
    void pack(int n0, int n1, int k0, int k1, float[] dst, int ld) {
        int kc = k1 - k0, vecEnd = kc - kc % HalfVectors.LANES;
        for (int n = n0; n < n1; n++) {
            int row = (n - n0) * ld;
            long from = (long) n * cols + k0;
            switch (dtype) {
                case F32 -> MemorySegment.copy(segment, HalfVectors.F32, from * 4, dst, row, kc);
                case F16 -> HalfVectors.f16ToFloats(segment, from, dst, row, kc);
                default -> {                                            // BF16 (of() admits only the three)
                    for (int k = 0; k < vecEnd; k += HalfVectors.LANES) HalfVectors.loadBf16(segment, from + k).intoArray(dst, row + k);
                    for (int k = vecEnd; k < kc; k++) dst[row + k] = get(n, k0 + k);
                }
            }
        }
    }
}
