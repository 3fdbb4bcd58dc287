package org.gpt4roi.kernels.cpu;

import org.gpt4roi.tensor.Tensor;

/** TODO(helper): implementation pending. */
final class CpuAttention {
    private CpuAttention() {}
    static void rope(Parallel par, Tensor x, int heads, int startPos, float theta) { throw new UnsupportedOperationException("not implemented yet"); }
    static Tensor attention(Parallel par, Tensor q, Tensor k, Tensor v, int heads, boolean causal) { throw new UnsupportedOperationException("not implemented yet"); }
}
