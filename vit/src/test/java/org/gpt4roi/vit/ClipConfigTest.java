package org.gpt4roi.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gpt4roi.tensor.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flat and nested ("vision_config") CLIP configs, defaults and errors. */
class ClipConfigTest {
    @TempDir Path tmp;

    @Test
    void readsTheFlatFixtureConfig() {
        ClipConfig c = ClipConfig.load(Fixtures.clipDir());
        assertEquals(new ClipConfig(48, 192, 4, 24, 14, 224, 1e-5f), c);
        assertEquals(257, c.numPositions());
        assertEquals(12, c.headDim());
    }

    @Test
    void readsTheNestedLayoutOfOpenaiClipVitLarge() throws Exception {
        // The keys that matter of openai/clip-vit-large-patch14/config.json (a full CLIPConfig).
        String json = """
                {"architectures": ["CLIPModel"], "projection_dim": 768,
                 "text_config": {"hidden_size": 768, "num_hidden_layers": 12},
                 "vision_config": {"hidden_act": "quick_gelu", "hidden_size": 1024, "image_size": 224,
                   "intermediate_size": 4096, "layer_norm_eps": 1e-05, "num_attention_heads": 16,
                   "num_hidden_layers": 24, "patch_size": 14, "projection_dim": 768}}""";
        assertEquals(new ClipConfig(1024, 4096, 16, 24, 14, 224, 1e-5f), ClipConfig.fromJson(new ObjectMapper().readTree(json)));
    }

    @Test
    void errorsNameTheFileAndField() throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{\"hidden_size\": 48, \"intermediate_size\": 192, \"num_hidden_layers\": 24}");
        ConfigException e = assertThrows(ConfigException.class, () -> ClipConfig.load(tmp));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("num_attention_heads"), e.getMessage());
        Files.writeString(tmp.resolve("config.json"), "{\"hidden_size\": 48, \"intermediate_size\": 192, \"num_attention_heads\": 4,"
                + " \"num_hidden_layers\": 24, \"hidden_act\": \"gelu\"}");
        e = assertThrows(ConfigException.class, () -> ClipConfig.load(tmp));
        assertTrue(e.getMessage().contains("gelu"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ClipConfig.load(tmp.resolve("absent")));
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ClipConfig(48, 192, 5, 24, 14, 224, 1e-5f));
        assertTrue(e.getMessage().contains("num_attention_heads"), e.getMessage());
    }
}
