package org.gpt4roi.vit;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;

/**
 * One pre-norm CLIP encoder layer ({@code vision_model.encoder.layers.{i}.*}):
 * <pre>
 * h [T,C] ─ layer_norm1 ─ q,k,v_proj ─ attention (full, scores / √hd) ─ out_proj ─(+ h)─▶ h1 [T,C]
 * h1      ─ layer_norm2 ─ fc1 [T,I] ─ quick_gelu ─ fc2 ─(+ h1)─▶ h2 [T,C]
 * </pre>
 * The input is never changed (it may be a hidden state someone keeps); each residual sum lands in
 * the freshly computed branch output.
 */
final class ClipEncoderLayer {
    private final Backend backend;
    private final int heads;
    private final float eps;
    private final Tensor ln1Weight, ln1Bias, qWeight, qBias, kWeight, kBias, vWeight, vBias, outWeight, outBias;
    private final Tensor ln2Weight, ln2Bias, fc1Weight, fc1Bias, fc2Weight, fc2Bias;

    /** Maps (and checks the shapes of) the tensors of layer {@code index}. */
    ClipEncoderLayer(ClipConfig config, SafeTensors weights, Backend backend, int index) {
        this.backend = backend;
        this.heads = config.numHeads();
        this.eps = config.layerNormEps();
        int c = config.hiddenSize(), i = config.intermediateSize();
        String p = "vision_model.encoder.layers." + index + ".";
        ln1Weight = backend.weight(weights.weight(p + "layer_norm1.weight", c));
        ln1Bias = backend.weight(weights.weight(p + "layer_norm1.bias", c));
        qWeight = backend.weight(weights.weight(p + "self_attn.q_proj.weight", c, c));
        qBias = backend.weight(weights.weight(p + "self_attn.q_proj.bias", c));
        kWeight = backend.weight(weights.weight(p + "self_attn.k_proj.weight", c, c));
        kBias = backend.weight(weights.weight(p + "self_attn.k_proj.bias", c));
        vWeight = backend.weight(weights.weight(p + "self_attn.v_proj.weight", c, c));
        vBias = backend.weight(weights.weight(p + "self_attn.v_proj.bias", c));
        outWeight = backend.weight(weights.weight(p + "self_attn.out_proj.weight", c, c));
        outBias = backend.weight(weights.weight(p + "self_attn.out_proj.bias", c));
        ln2Weight = backend.weight(weights.weight(p + "layer_norm2.weight", c));
        ln2Bias = backend.weight(weights.weight(p + "layer_norm2.bias", c));
        fc1Weight = backend.weight(weights.weight(p + "mlp.fc1.weight", i, c));
        fc1Bias = backend.weight(weights.weight(p + "mlp.fc1.bias", i));
        fc2Weight = backend.weight(weights.weight(p + "mlp.fc2.weight", c, i));
        fc2Bias = backend.weight(weights.weight(p + "mlp.fc2.bias", c));
    }

    /** {@code h [T,C]} → the layer's output {@code [T,C]} (a new tensor). */
    Tensor forward(Tensor h) {
        Tensor x = backend.layerNorm(h, ln1Weight, ln1Bias, eps);        // [T,C]
        Tensor q = backend.linear(x, qWeight, qBias);                    // [T,C]
        Tensor k = backend.linear(x, kWeight, kBias);                    // [T,C]
        Tensor v = backend.linear(x, vWeight, vBias);                    // [T,C]
        Tensor attended = backend.attention(q, k, v, heads, false);      // [T,C]
        Tensor h1 = backend.linear(attended, outWeight, outBias);        // [T,C]
        backend.add(h1, h);                                              // h1 = h + attention

        Tensor m = backend.linear(backend.layerNorm(h1, ln2Weight, ln2Bias, eps), fc1Weight, fc1Bias); // [T,I]
        backend.quickGelu(m);
        Tensor h2 = backend.linear(m, fc2Weight, fc2Bias);               // [T,C]
        backend.add(h2, h1);                                             // h2 = h1 + mlp
        return h2;
    }
}
