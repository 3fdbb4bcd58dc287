package org.gpt4roi.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The committed fixture files open, validate, and hold what the reference wrote. */
class FixtureFilesTest {
    private static final Path TINY = Path.of(System.getProperty("gpt4roi.testdata"), "tiny");

    @Test
    void tinyLlamaWeights() {
        try (SafeTensors st = SafeTensors.open(TINY.resolve("model"))) {   // the directory form
            assertEquals(TINY.resolve("model/model.safetensors"), st.file());
            assertEquals("pt", st.metadata().get("format"));
            Tensor embed = st.get("model.embed_tokens.weight", 32006, 64);
            assertEquals(DType.F16, embed.dtype());
            assertTrue(embed.segment().isMapped(), "a view on the mapping, not a copy");
            Tensor invFreq = st.get("model.layers.0.self_attn.rotary_emb.inv_freq", 8);
            // inv_freq[i] = 10000^(-2i/16) for head_dim 16: an independent double-precision check.
            float[] f = invFreq.toFloatArray();
            for (int i = 0; i < 8; i++)
                assertEquals(Math.pow(10000, -2.0 * i / 16), f[i], 1e-6 * Math.pow(10000, -2.0 * i / 16), "inv_freq[" + i + "]");
            float[] row = embed.get(1).toFloatArray();
            for (float v : row) assertTrue(Float.isFinite(v) && Math.abs(v) < 10, "embedding values are finite and small");
        }
    }

    @Test
    void tinyClipWeights() {
        try (SafeTensors st = SafeTensors.open(TINY.resolve("model/clip/model.safetensors"))) {
            long[] ids = st.get("vision_model.embeddings.position_ids", 1, 257).toLongArray();
            for (int i = 0; i < ids.length; i++) assertEquals(i, ids[i], "position_ids[" + i + "]");
            assertEquals(DType.F32, st.get("vision_model.embeddings.patch_embedding.weight", 48, 3, 14, 14).dtype());
        }
    }

    @Test
    void goldenCases() {
        for (String c : new String[] {"case-a", "case-b"}) {
            try (SafeTensors st = SafeTensors.open(TINY.resolve(c + "/golden.safetensors"))) {
                Tensor ids = st.get("input_ids");
                assertEquals(DType.I64, ids.dtype(), c);
                assertEquals(1, ids.toLongArray()[0], c + ": input_ids start with BOS");
                assertEquals("10", st.metadata().get("steps"), c);
                assertEquals(10, st.get("greedy_ids", 10).numel(), c);
                Tensor pixels = st.get("pixel_values", 3, 224, 224);
                float[] p = pixels.toFloatArray();
                double sum = 0;
                for (float v : p) { assertTrue(Float.isFinite(v)); sum += Math.abs(v); }
                assertTrue(sum > 0, c + ": pixel values are not all zero");
                float[] box = st.get("boxes_norm").toFloatArray();
                for (float v : box) assertTrue(v >= 0 && v <= 1, c + ": normalised box in [0,1]: " + v);
            }
        }
    }

    @Test
    void tensorsAreViewsIntoOneMapping() {
        try (SafeTensors st = SafeTensors.open(TINY.resolve("case-a/golden.safetensors"))) {
            Tensor a = st.get("input_ids"), b = st.get("greedy_ids");
            // Adjacent in the file → adjacent in memory: b starts where a ends.
            assertEquals(a.segment().address() + a.numel() * 8, b.segment().address());
            assertArrayEquals(new int[] {316}, a.shape());
        }
    }
}
