package org.gpt4roi.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gpt4roi.llama.LlamaConfig;
import org.gpt4roi.roi.RegionConfig;
import org.gpt4roi.tensor.ConfigException;
import org.gpt4roi.vit.ClipConfig;

/**
 * A model directory per the project's contract: {@code config.json} (LLaVA/LLaMA keys plus the
 * region-module sizes), {@code model.safetensors} (or a sharded set with its index),
 * {@code tokenizer.model}, {@code added_tokens.json}, and the CLIP directory named by
 * {@code mm_vision_tower} (relative to this directory) or given explicitly.
 */
public record ModelDirectory(Path dir, Path clipDir, JsonNode config, LlamaConfig llama, ClipConfig clip,
                             RegionConfig region, int visionSelectLayer) {

    /** Reads and checks the directory; {@code visionOverride} (may be null) replaces {@code mm_vision_tower}. */
    public static ModelDirectory open(Path dir, Path visionOverride) {
        if (!Files.isDirectory(dir))
            throw new ConfigException("model directory " + dir + " does not exist (give --model DIR)");
        JsonNode config = readJson(dir.resolve("config.json"));
        for (String f : new String[] {"tokenizer.model", "added_tokens.json"})
            if (!Files.isRegularFile(dir.resolve(f)))
                throw new ConfigException(dir + ": " + f + " is missing (copy it from the GPT4RoI delta release)");
        if (!Files.exists(dir.resolve("model.safetensors")) && !Files.exists(dir.resolve("model.safetensors.index.json")))
            throw new ConfigException(dir + ": neither model.safetensors nor model.safetensors.index.json is present"
                    + " (run `gpt4roi convert` to make them)");
        Path clipDir = visionOverride != null ? visionOverride : resolveClip(dir, config);
        ClipConfig clip = ClipConfig.load(clipDir);
        LlamaConfig llama = LlamaConfig.fromJson(config);
        int mmHidden = config.path("mm_hidden_size").asInt(clip.hiddenSize());
        if (mmHidden != clip.hiddenSize())
            throw new ConfigException(dir.resolve("config.json") + ": mm_hidden_size " + mmHidden
                    + " differs from the CLIP width " + clip.hiddenSize() + " in " + clipDir);
        if (!config.path("mm_use_im_start_end").asBoolean(true))
            throw new ConfigException(dir.resolve("config.json") + ": mm_use_im_start_end=false is not supported (GPT4RoI uses true)");
        int select = config.path("mm_vision_select_layer").asInt(-2);
        RegionConfig region = RegionConfig.fromJson(config.get("spi_module"), clip.hiddenSize(), llama.hidden());
        return new ModelDirectory(dir, clipDir, config, llama, clip, region, select);
    }

    /** CLIP hidden-state index of the image tokens: the tuple has N+1 entries, so N + 1 + mm_vision_select_layer. */
    public int imageTokenLayer() { return visionSelectLayer < 0 ? clip.numLayers() + 1 + visionSelectLayer : visionSelectLayer; }

    /** The four pyramid layers, shallow to deep: {@code range(N+1)[s::-3]} reversed, last four. */
    public int[] pyramidLayers() {
        int top = imageTokenLayer();
        if (top - 9 < 0) throw new ConfigException(clipDir + ": the CLIP tower needs at least 10 layers for the 4-level pyramid");
        return new int[] {top - 9, top - 6, top - 3, top};
    }

    private static Path resolveClip(Path dir, JsonNode config) {
        String tower = config.path("mm_vision_tower").asText("");
        if (!tower.isEmpty() && Files.isDirectory(dir.resolve(tower))) return dir.resolve(tower);
        if (Files.isDirectory(dir.resolve("clip"))) return dir.resolve("clip");
        throw new ConfigException(dir.resolve("config.json") + ": the CLIP vision tower '" + tower
                + "' is not a directory under " + dir + "; put CLIP ViT-L/14 in " + dir.resolve("clip")
                + " or give --vision DIR");
    }

    static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException(file + " is missing");
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
