package org.gpt4roi.kernels.opencl;

import static org.gpt4roi.kernels.opencl.OpenClBackend.require;
import static org.gpt4roi.kernels.opencl.OpenClBackend.shape;

import java.util.Arrays;
import org.gpt4roi.tensor.Tensor;

/** In-place element-wise ops, one work item per element, on the kernels of elementwise.cl. */
final class ClElementwise {
    private ClElementwise() {}

    /** {@code x += y}. */
    static void add(OpenClBackend b, Tensor x, Tensor y) {
        require(Arrays.equals(x.shape(), y.shape()), "add", "shapes differ: " + shape(x) + " vs " + shape(y));
        Tensor yf = b.f32(y);
        b.inPlace(x, c -> b.launchElements("elementwise", "", "add", c.numel(), c, yf, (int) c.numel()));
    }

    /** {@code kernel} ∈ relu, quick_gelu: {@code x = f(x)}. */
    static void unary(OpenClBackend b, String kernel, Tensor x) {
        b.inPlace(x, c -> b.launchElements("elementwise", "", kernel, c.numel(), c, (int) c.numel()));
    }

    /** {@code gate = silu(gate) ⊙ up}. */
    static void siluMul(OpenClBackend b, Tensor gate, Tensor up) {
        require(Arrays.equals(gate.shape(), up.shape()), "siluMul", "shapes differ: " + shape(gate) + " vs " + shape(up));
        Tensor uf = b.f32(up);
        b.inPlace(gate, c -> b.launchElements("elementwise", "", "silu_mul", c.numel(), c, uf, (int) c.numel()));
    }
}
