package org.gpt4roi.kernels.cpu;

import org.gpt4roi.tensor.Tensor;

/** TODO(helper): implementation pending. */
final class CpuCopy {
    private CpuCopy() {}
    static void copy(Tensor src, Tensor dst) { throw new UnsupportedOperationException("not implemented yet"); }
    static Tensor embedding(Tensor table, int[] ids) { throw new UnsupportedOperationException("not implemented yet"); }
}
