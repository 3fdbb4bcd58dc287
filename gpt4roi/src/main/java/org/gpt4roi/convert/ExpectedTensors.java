package org.gpt4roi.convert;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gpt4roi.tensor.ConfigException;

/**
 * The tensors a model directory of this project must hold, with their shapes, derived from the
 * configs (spec §5.3 and §3.4): LLaMA + {@code mm_projector} + {@code spi_module} for
 * {@code model.safetensors}, and the CLIP vision tower for {@code clip/model.safetensors}.
 * Buffers ({@code rotary_emb.inv_freq}, {@code position_ids}) and {@code post_layernorm} are not required.
 */
final class ExpectedTensors {
    private ExpectedTensors() {}

    /** Names → shapes of the LLM side, from a converted {@code config.json} ({@code where} names it in errors). */
    static Map<String, int[]> model(JsonNode config, String where) {
        int d = positive(config, "hidden_size", where), inter = positive(config, "intermediate_size", where);
        int layers = positive(config, "num_hidden_layers", where), heads = positive(config, "num_attention_heads", where);
        int vocab = positive(config, "vocab_size", where), clipWidth = positive(config, "mm_hidden_size", where);
        int kv = config.has("num_key_value_heads") ? positive(config, "num_key_value_heads", where) : heads;
        int kvDim = d / heads * kv;
        Map<String, int[]> t = new LinkedHashMap<>();
        t.put("model.embed_tokens.weight", new int[] {vocab, d});
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            t.put(p + "self_attn.q_proj.weight", new int[] {d, d});
            t.put(p + "self_attn.k_proj.weight", new int[] {kvDim, d});
            t.put(p + "self_attn.v_proj.weight", new int[] {kvDim, d});
            t.put(p + "self_attn.o_proj.weight", new int[] {d, d});
            t.put(p + "mlp.gate_proj.weight", new int[] {inter, d});
            t.put(p + "mlp.up_proj.weight", new int[] {inter, d});
            t.put(p + "mlp.down_proj.weight", new int[] {d, inter});
            t.put(p + "input_layernorm.weight", new int[] {d});
            t.put(p + "post_attention_layernorm.weight", new int[] {d});
        }
        t.put("model.norm.weight", new int[] {d});
        t.put("lm_head.weight", new int[] {vocab, d});
        t.put("model.mm_projector.weight", new int[] {d, clipWidth});
        t.put("model.mm_projector.bias", new int[] {d});
        regionModule(t, config.path("spi_module"), clipWidth, d, where);
        return t;
    }

    /** {@code model.spi_module.*}: sizes from the optional {@code spi_module} object, defaults = the released model. */
    private static void regionModule(Map<String, int[]> t, JsonNode spi, int clipWidth, int d, String where) {
        String w = where + " spi_module";
        int c = spi.has("embed_dims") ? positive(spi, "embed_dims", w) : clipWidth;
        int pos = spi.has("pos_hidden_dims") ? positive(spi, "pos_hidden_dims", w) : 256;
        int roi = spi.has("roi_output_size") ? positive(spi, "roi_output_size", w) : 14;
        int levels = spi.has("num_levels") ? positive(spi, "num_levels", w) : 4;
        int fuses = spi.has("num_fuse") ? positive(spi, "num_fuse", w) : 5;
        String fuse = "model.spi_module.mlvl_fuse.", align = "model.spi_module.roi_align.";
        for (int l = 0; l < levels; l++) {
            t.put(fuse + "input_conv." + l + ".weight", new int[] {c, c + 2, 1, 1});
            t.put(fuse + "input_conv." + l + ".bias", new int[] {c});
        }
        for (int j = 0; j < fuses; j++) {
            t.put(fuse + "fuse_convs." + j + ".conv.weight", new int[] {c, c, 3, 3});
            t.put(fuse + "fuse_convs." + j + ".gn.weight", new int[] {c});
            t.put(fuse + "fuse_convs." + j + ".gn.bias", new int[] {c});
        }
        for (int l = 0; l < levels; l++) {
            t.put(align + "pconvs." + l + ".weight", new int[] {c, c, 3, 3});
            t.put(align + "pconvs." + l + ".bias", new int[] {c});
        }
        t.put(align + "pos_embedd.0.weight", new int[] {pos, 4});
        t.put(align + "pos_embedd.0.bias", new int[] {pos});
        t.put(align + "pos_embedd.2.weight", new int[] {pos});
        t.put(align + "pos_embedd.2.bias", new int[] {pos});
        t.put(align + "pos_embedd.3.weight", new int[] {c, pos});
        t.put(align + "pos_embedd.3.bias", new int[] {c});
        t.put(align + "pos_embedd.5.weight", new int[] {c});
        t.put(align + "pos_embedd.5.bias", new int[] {c});
        t.put(align + "flatten_linear.weight", new int[] {c, Math.multiplyExact(c, roi * roi)});
        t.put(align + "flatten_linear.bias", new int[] {c});
        t.put(align + "updims.weight", new int[] {d, c});
        t.put(align + "updims.bias", new int[] {d});
    }

    /** Names → shapes of the CLIP vision tower, from a flat {@code clip/config.json}. */
    static Map<String, int[]> clipVision(JsonNode clip, String where) {
        int c = positive(clip, "hidden_size", where), inter = positive(clip, "intermediate_size", where);
        int layers = positive(clip, "num_hidden_layers", where), patch = positive(clip, "patch_size", where);
        int image = positive(clip, "image_size", where), channels = positive(clip, "num_channels", where);
        if (image % patch != 0) throw new ConfigException(where + ": image_size " + image + " is not a multiple of patch_size " + patch);
        int positions = (image / patch) * (image / patch) + 1;
        String e = "vision_model.embeddings.";
        Map<String, int[]> t = new LinkedHashMap<>();
        t.put(e + "class_embedding", new int[] {c});
        t.put(e + "patch_embedding.weight", new int[] {c, channels, patch, patch});
        t.put(e + "position_embedding.weight", new int[] {positions, c});
        t.put("vision_model.pre_layrnorm.weight", new int[] {c});
        t.put("vision_model.pre_layrnorm.bias", new int[] {c});
        for (int i = 0; i < layers; i++) {
            String p = "vision_model.encoder.layers." + i + ".";
            for (String m : new String[] {"q", "k", "v", "out"}) {
                t.put(p + "self_attn." + m + "_proj.weight", new int[] {c, c});
                t.put(p + "self_attn." + m + "_proj.bias", new int[] {c});
            }
            for (String ln : new String[] {"layer_norm1", "layer_norm2"}) {
                t.put(p + ln + ".weight", new int[] {c});
                t.put(p + ln + ".bias", new int[] {c});
            }
            t.put(p + "mlp.fc1.weight", new int[] {inter, c});
            t.put(p + "mlp.fc1.bias", new int[] {inter});
            t.put(p + "mlp.fc2.weight", new int[] {c, inter});
            t.put(p + "mlp.fc2.bias", new int[] {c});
        }
        return t;
    }

    static int positive(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0)
            throw new ConfigException(where + ": \"" + key + "\" must be a positive integer"
                    + (v == null ? " and is missing" : ", found " + v));
        return v.asInt();
    }
}
