package org.gpt4roi.vit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gpt4roi.tensor.ConfigException;

/**
 * Sizes of the CLIP vision tower, read from a CLIP {@code config.json}: either a flat
 * CLIPVisionConfig or a full CLIPConfig with the same keys under {@code "vision_config"} (as in
 * {@code openai/clip-vit-large-patch14}). Keys that transformers defaults may be absent.
 *
 * @param hiddenSize        C, the width of the residual stream
 * @param intermediateSize  width of the MLP
 * @param numHeads          attention heads (head_dim = C / heads)
 * @param numLayers         encoder layers N (the hidden-state list has N + 1 entries)
 * @param patchSize         side of a square patch
 * @param imageSize         side of the square input image
 * @param layerNormEps      epsilon of every LayerNorm
 */
public record ClipConfig(int hiddenSize, int intermediateSize, int numHeads, int numLayers,
                         int patchSize, int imageSize, float layerNormEps) {

    public ClipConfig {
        if (hiddenSize <= 0 || intermediateSize <= 0 || numHeads <= 0 || numLayers <= 0 || patchSize <= 0 || imageSize <= 0)
            throw new ConfigException("CLIP config: sizes must be positive, got " + this);
        if (hiddenSize % numHeads != 0)
            throw new ConfigException("CLIP config: hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numHeads);
        if (imageSize % patchSize != 0)
            throw new ConfigException("CLIP config: image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
    }

    /** Side of the patch grid (16 for 224 px and patch 14). */
    public int gridSize() { return imageSize / patchSize; }

    /** Tokens per image: one per patch plus the class token (257). */
    public int numPositions() { return gridSize() * gridSize() + 1; }

    public int headDim() { return hiddenSize / numHeads; }

    /** Reads {@code clipDir/config.json}. */
    public static ClipConfig load(Path clipDir) {
        Path file = clipDir.resolve("config.json");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the CLIP config (" + e.getMessage()
                    + "); the vision directory must hold config.json and model.safetensors", e);
        }
        if (root == null || !root.isObject()) throw new ConfigException(file + ": not a JSON object");
        try {
            return fromJson(root);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a CLIPVisionConfig object, or a CLIPConfig holding one under {@code "vision_config"}. */
    public static ClipConfig fromJson(JsonNode root) {
        JsonNode v = root.has("vision_config") ? root.get("vision_config") : root;
        String act = v.path("hidden_act").asText("quick_gelu");
        if (!act.equals("quick_gelu"))
            throw new ConfigException("hidden_act '" + act + "' is not supported; the CLIP vision tower uses quick_gelu");
        int channels = optionalInt(v, "num_channels", 3);
        if (channels != 3) throw new ConfigException("num_channels " + channels + " is not supported; RGB input needs 3");
        return new ClipConfig(
                requiredInt(v, "hidden_size"),
                requiredInt(v, "intermediate_size"),
                requiredInt(v, "num_attention_heads"),
                requiredInt(v, "num_hidden_layers"),
                optionalInt(v, "patch_size", 14),
                optionalInt(v, "image_size", 224),
                (float) v.path("layer_norm_eps").asDouble(1e-5));
    }

    private static int requiredInt(JsonNode v, String key) {
        JsonNode n = v.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt())
            throw new ConfigException("vision config field '" + key + "' is missing or not an integer");
        return n.asInt();
    }

    private static int optionalInt(JsonNode v, String key, int fallback) {
        JsonNode n = v.get(key);
        if (n == null) return fallback;
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new ConfigException("vision config field '" + key + "' is not an integer: " + n);
        return n.asInt();
    }
}
