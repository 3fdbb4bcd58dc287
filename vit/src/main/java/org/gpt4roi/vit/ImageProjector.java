package org.gpt4roi.vit;

import java.util.Arrays;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;

/**
 * LLaVA v0's {@code mm_projector}: one Linear from the CLIP width C to the LLM width D, applied to
 * the patch tokens of one hidden state.
 * <pre>
 * hidden state [257,C] ─ drop CLS ─▶ [256,C] ─ mm_projector (C → D, bias) ─▶ image tokens [256,D]
 * </pre>
 */
public final class ImageProjector {
    private final Backend backend;
    private final Tensor weight;  // [D, C]
    private final Tensor bias;    // [D]
    private final int clipWidth;

    /** Maps {@code model.mm_projector.weight [hidden, clipWidth]} and {@code .bias [hidden]} of the model file. */
    public ImageProjector(SafeTensors modelWeights, Backend backend, int clipWidth, int hidden) {
        this.backend = backend;
        this.clipWidth = clipWidth;
        this.weight = backend.weight(modelWeights.weight("model.mm_projector.weight", hidden, clipWidth));
        this.bias = backend.weight(modelWeights.weight("model.mm_projector.bias", hidden));
    }

    /** {@code hiddenState [T,C]} (CLS first) → image tokens {@code [T-1, D]}. */
    public Tensor project(Tensor hiddenState) {
        if (hiddenState.rank() != 2 || hiddenState.dim(1) != clipWidth || hiddenState.dim(0) < 2)
            throw new IllegalArgumentException("hidden state must be [T, " + clipWidth + "] with T ≥ 2, got "
                    + Arrays.toString(hiddenState.shape()));
        return backend.linear(hiddenState.slice(0, 1, hiddenState.dim(0)), weight, bias);
    }
}
