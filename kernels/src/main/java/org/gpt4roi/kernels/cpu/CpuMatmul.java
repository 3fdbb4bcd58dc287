package org.gpt4roi.kernels.cpu;

import org.gpt4roi.tensor.Tensor;

/** TODO(helper): implementation pending. */
final class CpuMatmul {
    private CpuMatmul() {}
    static Tensor linear(Parallel par, Tensor x, Tensor w, Tensor bias) { throw new UnsupportedOperationException("not implemented yet"); }
}
