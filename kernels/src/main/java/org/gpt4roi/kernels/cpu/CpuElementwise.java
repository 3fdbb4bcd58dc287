package org.gpt4roi.kernels.cpu;

import org.gpt4roi.tensor.Tensor;

/** TODO(helper): implementation pending. */
final class CpuElementwise {
    private CpuElementwise() {}
    static void add(Parallel par, Tensor x, Tensor y) { throw new UnsupportedOperationException("not implemented yet"); }
    static void relu(Parallel par, Tensor x) { throw new UnsupportedOperationException("not implemented yet"); }
    static void quickGelu(Parallel par, Tensor x) { throw new UnsupportedOperationException("not implemented yet"); }
    static void siluMul(Parallel par, Tensor gate, Tensor up) { throw new UnsupportedOperationException("not implemented yet"); }
}
