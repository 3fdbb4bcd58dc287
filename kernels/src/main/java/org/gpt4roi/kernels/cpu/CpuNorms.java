package org.gpt4roi.kernels.cpu;

import org.gpt4roi.tensor.Tensor;

/** TODO(helper): implementation pending. */
final class CpuNorms {
    private CpuNorms() {}
    static Tensor layerNorm(Parallel par, Tensor x, Tensor w, Tensor b, float eps) { throw new UnsupportedOperationException("not implemented yet"); }
    static Tensor rmsNorm(Parallel par, Tensor x, Tensor w, float eps) { throw new UnsupportedOperationException("not implemented yet"); }
    static Tensor groupNorm(Parallel par, Tensor x, int groups, Tensor w, Tensor b, float eps) { throw new UnsupportedOperationException("not implemented yet"); }
    static void softmax(Parallel par, Tensor x) { throw new UnsupportedOperationException("not implemented yet"); }
}
