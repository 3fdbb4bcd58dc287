package org.gpt4roi.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gpt4roi.tensor.ConfigException;

/**
 * The two configs of a converted model directory: {@code config.json} (the delta's LLaMA/LLaVA keys,
 * {@code mm_vision_tower} pointing at {@code clip/}) and {@code clip/config.json} (CLIP's
 * {@code vision_config}, flattened, with Hugging Face's defaults for keys it leaves out).
 */
final class ConvertedConfigs {
    static final String CLIP_DIR = "clip";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConvertedConfigs() {}

    /** The delta's config with {@code mm_vision_tower = "clip"}; {@code mm_hidden_size} must be the CLIP width. */
    static ObjectNode model(JsonNode delta, JsonNode clip, String where) {
        if (!delta.isObject()) throw new ConfigException(where + ": not a JSON object");
        ObjectNode c = ((ObjectNode) delta).deepCopy();
        int clipWidth = clip.get("hidden_size").asInt();
        if (!c.has("mm_hidden_size")) c.put("mm_hidden_size", clipWidth);
        else if (ExpectedTensors.positive(c, "mm_hidden_size", where) != clipWidth)
            throw new ConfigException(where + ": mm_hidden_size " + c.get("mm_hidden_size") + " differs from the CLIP width "
                    + clipWidth + " (is --vision openai/clip-vit-large-patch14?)");
        c.put("mm_vision_tower", CLIP_DIR);
        return c;
    }

    /** {@code clip/config.json}, in the key order of the project's fixture. */
    static ObjectNode clip(JsonNode source, String where) {
        JsonNode v = source.has("vision_config") ? source.get("vision_config") : source;
        if (!v.isObject()) throw new ConfigException(where + ": vision_config is not a JSON object");
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "clip_vision_model");
        c.put("hidden_size", v.path("hidden_size").asInt(768));
        c.put("intermediate_size", v.path("intermediate_size").asInt(3072));
        c.put("num_attention_heads", v.path("num_attention_heads").asInt(12));
        c.put("num_hidden_layers", v.path("num_hidden_layers").asInt(12));
        c.put("patch_size", v.path("patch_size").asInt(32));
        c.put("image_size", v.path("image_size").asInt(224));
        c.put("num_channels", v.path("num_channels").asInt(3));
        c.put("layer_norm_eps", v.path("layer_norm_eps").asDouble(1e-5));
        c.put("hidden_act", v.path("hidden_act").asText("quick_gelu"));
        return c;
    }

    static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException(file + " is missing");
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    static void write(Path file, JsonNode value) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n");
    }
}
