package org.gpt4roi.llama;

import com.fasterxml.jackson.databind.JsonNode;
import org.gpt4roi.tensor.ConfigException;

/**
 * Sizes of a LLaMA decoder, read from the Hugging Face {@code config.json}.
 *
 * @param hidden       model width D ({@code hidden_size})
 * @param intermediate MLP width ({@code intermediate_size})
 * @param heads        attention heads; head_dim = D / heads (no grouped-query attention)
 * @param layers       decoder layers
 * @param rmsEps       RMSNorm epsilon
 * @param vocab        rows of {@code embed_tokens} and {@code lm_head}
 * @param maxPositions longest sequence (prompt plus answer) the model was trained for
 * @param ropeTheta    RoPE base ({@code rope_theta}, 10000 when absent)
 * @param bosId        beginning-of-sequence id
 * @param eosId        end-of-sequence id; generation stops on it
 * @param padId        padding id
 */
public record LlamaConfig(int hidden, int intermediate, int heads, int layers, float rmsEps, int vocab,
                          int maxPositions, float ropeTheta, int bosId, int eosId, int padId) {

    public LlamaConfig {
        if (hidden <= 0 || intermediate <= 0 || heads <= 0 || layers <= 0 || vocab <= 0 || maxPositions <= 0)
            throw new ConfigException("LLaMA config: sizes must be positive (hidden_size " + hidden + ", intermediate_size "
                    + intermediate + ", num_attention_heads " + heads + ", num_hidden_layers " + layers + ", vocab_size "
                    + vocab + ", max_position_embeddings " + maxPositions + ")");
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0)
            throw new ConfigException("LLaMA config: hidden_size " + hidden + " must split into " + heads
                    + " heads of an even head_dim");
        if (!(rmsEps > 0)) throw new ConfigException("LLaMA config: rms_norm_eps must be > 0, got " + rmsEps);
        if (!(ropeTheta > 0)) throw new ConfigException("LLaMA config: rope_theta must be > 0, got " + ropeTheta);
    }

    public int headDim() { return hidden / heads; }

    /** Reads a {@code config.json}; a missing required key is a {@link ConfigException} naming it. */
    public static LlamaConfig fromJson(JsonNode json) {
        if (json.hasNonNull("num_key_value_heads") && json.get("num_key_value_heads").asInt() != required(json, "num_attention_heads"))
            throw new ConfigException("LLaMA config: num_key_value_heads " + json.get("num_key_value_heads")
                    + " differs from num_attention_heads; grouped-query attention is not supported");
        if (json.hasNonNull("rope_scaling"))
            throw new ConfigException("LLaMA config: rope_scaling " + json.get("rope_scaling") + " is not supported; remove it or set it to null");
        if (json.hasNonNull("hidden_act") && !json.get("hidden_act").asText().equals("silu"))
            throw new ConfigException("LLaMA config: hidden_act '" + json.get("hidden_act").asText() + "' is not supported (only silu)");
        if (json.path("tie_word_embeddings").asBoolean(false))
            throw new ConfigException("LLaMA config: tie_word_embeddings true is not supported (LLaMA has its own lm_head)");
        return new LlamaConfig(
                required(json, "hidden_size"),
                required(json, "intermediate_size"),
                required(json, "num_attention_heads"),
                required(json, "num_hidden_layers"),
                (float) requiredNode(json, "rms_norm_eps").asDouble(),
                required(json, "vocab_size"),
                required(json, "max_position_embeddings"),
                (float) json.path("rope_theta").asDouble(10000.0),
                json.path("bos_token_id").asInt(1),
                json.path("eos_token_id").asInt(2),
                json.path("pad_token_id").asInt(0));
    }

    private static int required(JsonNode json, String key) {
        JsonNode n = requiredNode(json, key);
        if (!n.canConvertToInt()) throw new ConfigException("LLaMA config: '" + key + "' must be an integer, got " + n);
        return n.asInt();
    }

    private static JsonNode requiredNode(JsonNode json, String key) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) throw new ConfigException("LLaMA config: required key '" + key + "' is missing");
        if (!n.isNumber()) throw new ConfigException("LLaMA config: '" + key + "' must be a number, got " + n);
        return n;
    }
}
