package org.gpt4roi.roi;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;

/** Reads {@code model.spi_module.*} tensors, shape-checked, onto a backend. */
record SpiWeights(SafeTensors file, Backend backend) {
    private static final String PREFIX = "model.spi_module.";

    /** A weight matrix or conv kernel, used in place in its stored dtype (F32, F16 or BF16). */
    Tensor matrix(String name, int... shape) {
        return backend.weight(file.weight(PREFIX + name, shape));
    }

    /** A bias or norm parameter {@code [n]}, as F32. */
    Tensor vector(String name, int n) {
        return backend.upload(file.weight(PREFIX + name, n));
    }
}
