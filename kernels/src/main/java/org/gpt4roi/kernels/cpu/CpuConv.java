package org.gpt4roi.kernels.cpu;

import org.gpt4roi.tensor.Tensor;

/** TODO(helper): implementation pending. */
final class CpuConv {
    private CpuConv() {}
    static Tensor conv2d(Parallel par, Tensor x, Tensor w, Tensor bias, int stride, int padding) { throw new UnsupportedOperationException("not implemented yet"); }
}
