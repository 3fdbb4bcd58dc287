package org.gpt4roi.vit;

import java.util.Arrays;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;

/**
 * The CLIP ViT vision tower (HF {@code CLIPVisionModel}, tensors {@code vision_model.*}), run only as
 * deep as the hidden states asked for. For ViT-L/14: C = 1024, 16×16 patches, T = 257 tokens.
 * <pre>
 * pixels [3,224,224] ─ patch_embedding (conv 14×14, stride 14, no bias) ─▶ [C,16,16]
 *   ─ flatten row-major, transpose ─▶ [256,C] ─ class_embedding first ─▶ [257,C] ─ + position_embedding
 *   ─ pre_layrnorm ─▶ hidden state 0
 *   ─ encoder layer 1 ─▶ hidden state 1 ─ … ─ encoder layer k ─▶ hidden state k   (ClipEncoderLayer)
 * </pre>
 * {@code post_layernorm}, {@code visual_projection}, {@code position_ids} and the text tower are not
 * read. Weights are used in place (one {@link Backend#weight} each, at construction).
 */
public final class VisionTower {
    private static final String PREFIX = "vision_model.";

    private final ClipConfig config;
    private final Backend backend;
    private final Tensor patchWeight;        // [C, 3, P, P]
    private final Tensor classEmbedding;     // [1, C]   F32 copy: it is copied into the token rows
    private final Tensor positionEmbedding;  // [T, C]   F32 copy: it is an addend
    private final Tensor preNormWeight, preNormBias;
    private final ClipEncoderLayer[] layers;

    /** Maps every vision tensor of {@code clipWeights}; a missing or misshapen one is a {@code ModelFileException}. */
    public VisionTower(ClipConfig config, SafeTensors clipWeights, Backend backend) {
        this.config = config;
        this.backend = backend;
        int c = config.hiddenSize(), p = config.patchSize();
        patchWeight = backend.weight(clipWeights.weight(PREFIX + "embeddings.patch_embedding.weight", c, 3, p, p));
        classEmbedding = backend.upload(clipWeights.weight(PREFIX + "embeddings.class_embedding", c).reshape(1, c));
        positionEmbedding = backend.upload(clipWeights.weight(PREFIX + "embeddings.position_embedding.weight", config.numPositions(), c));
        preNormWeight = backend.weight(clipWeights.weight(PREFIX + "pre_layrnorm.weight", c));
        preNormBias = backend.weight(clipWeights.weight(PREFIX + "pre_layrnorm.bias", c));
        layers = new ClipEncoderLayer[config.numLayers()];
        for (int i = 0; i < layers.length; i++) layers[i] = new ClipEncoderLayer(config, clipWeights, backend, i);
    }

    public ClipConfig config() { return config; }

    /**
     * Hidden states {@code [T, C]} (CLS first) on this backend, in the order of {@code indices}:
     * index 0 is the pre_layrnorm output, index k the output of encoder layer k (1 ≤ k ≤ N).
     * Layers past the largest index are not run.
     *
     * @param pixels {@code [3, image, image]}: host F32 as from {@link ClipPreprocessor#pixelValues}, or a tensor
     *               already on this backend
     */
    public Tensor[] hiddenStates(Tensor pixels, int... indices) {
        int size = config.imageSize();
        if (!Arrays.equals(pixels.shape(), new int[] {3, size, size}))
            throw new IllegalArgumentException("pixel values must be [3, " + size + ", " + size + "], got " + Arrays.toString(pixels.shape()));
        if (indices.length == 0) throw new IllegalArgumentException("ask for at least one hidden state");
        int deepest = 0;
        for (int k : indices) {
            if (k < 0 || k > layers.length)
                throw new IllegalArgumentException("hidden state " + k + " does not exist: the tower has 0.." + layers.length);
            deepest = Math.max(deepest, k);
        }
        Tensor[] states = new Tensor[deepest + 1];
        states[0] = embed(pixels);
        for (int k = 1; k <= deepest; k++) states[k] = layers[k - 1].forward(states[k - 1]);
        Tensor[] out = new Tensor[indices.length];
        for (int i = 0; i < indices.length; i++) out[i] = states[indices[i]];
        return out;
    }

    /** pixels [3,S,S] → hidden state 0 [T,C]. */
    private Tensor embed(Tensor pixels) {
        int c = config.hiddenSize(), patches = config.numPositions() - 1, size = config.imageSize();
        Tensor onBackend = pixels.storage() instanceof HostStorage ? backend.upload(pixels) : backend.contiguous(pixels);
        Tensor image = onBackend.reshape(1, 3, size, size);                                       // [1,3,S,S]
        Tensor grid = backend.conv2d(image, patchWeight, null, config.patchSize(), 0);           // [1,C,G,G]
        Tensor tokens = backend.zeros(patches + 1, c);                                           // [T,C]
        backend.copy(classEmbedding, tokens.slice(0, 0, 1));
        backend.copy(grid.reshape(c, patches).transpose(0, 1), tokens.slice(0, 1, patches + 1));  // [G·G,C]
        backend.add(tokens, positionEmbedding);
        return backend.layerNorm(tokens, preNormWeight, preNormBias, config.layerNormEps());
    }
}
