package org.gpt4roi.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.gpt4roi.tensor.ConfigException;
import org.junit.jupiter.api.Test;

class LlamaConfigTest {
    static ObjectNode fixtureJson() throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(Golden.MODEL.resolve("config.json").toFile());
    }

    @Test
    void readsTheFixtureConfig() {
        LlamaConfig c = Golden.config();
        assertEquals(new LlamaConfig(64, 172, 4, 2, 1e-6f, 32006, 2048, 10000f, 1, 2, 0), c);
        assertEquals(16, c.headDim());
    }

    @Test
    void missingRequiredKeyIsNamed() throws IOException {
        for (String key : new String[] {"hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers",
                "rms_norm_eps", "vocab_size", "max_position_embeddings"}) {
            ObjectNode json = fixtureJson();
            json.remove(key);
            var e = assertThrows(ConfigException.class, () -> LlamaConfig.fromJson(json));
            assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
        }
    }

    @Test
    void unsupportedSettingsAreRefused() throws IOException {
        ObjectNode gqa = fixtureJson().put("num_key_value_heads", 2);
        assertTrue(assertThrows(ConfigException.class, () -> LlamaConfig.fromJson(gqa)).getMessage().contains("num_key_value_heads"));
        ObjectNode heads = fixtureJson().put("num_attention_heads", 5);
        assertTrue(assertThrows(ConfigException.class, () -> LlamaConfig.fromJson(heads)).getMessage().contains("heads"));
        ObjectNode theta = fixtureJson().put("rope_theta", 500000.0);
        assertEquals(500000f, LlamaConfig.fromJson(theta).ropeTheta());
    }
}
