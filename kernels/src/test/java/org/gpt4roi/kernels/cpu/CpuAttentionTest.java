package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** RoPE and attention against PyTorch goldens (HF LLaMA's formulas) and double-precision references. */
class CpuAttentionTest {
    private static final CpuBackend CPU = new CpuBackend(2);
    private static final GoldenFile GOLDENS = new GoldenFile("/transformer/goldens.bin");

    @AfterAll static void close() { CPU.close(); }

    @Test void inverseFrequenciesEqualTorchBitForBit() throws IOException {
        assertBitsEqual(GOLDENS.get("inv_freq_128").toFloatArray(), CpuAttention.inverseFrequencies(128, 10000f), "hd 128");
        Path model = Path.of(System.getProperty("gpt4roi.testdata"), "tiny", "model", "model.safetensors");
        float[] stored = readF32(model, "model.layers.0.self_attn.rotary_emb.inv_freq");
        assertBitsEqual(stored, CpuAttention.inverseFrequencies(2 * stored.length, 10000f), "stored rotary_emb.inv_freq");
    }

    @Test void ropeMatchesTorch() {
        float[] p = GOLDENS.get("rope.params").toFloatArray();
        Tensor x = GOLDENS.get("rope.x").toF32();
        CPU.rope(x, (int) p[0], (int) p[1], p[2]);
        double err = Accuracy.absError(x.toFloatArray(), GOLDENS.get("rope.y").toFloatArray());
        assertTrue(err < 2e-6, "rope vs torch: max abs error " + err);
    }

    @Test void ropeMatchesDoubleReferenceOnAView() {
        int tokens = 6, heads = 5, hd = 20, start = 1234;
        Tensor base = Accuracy.random(21, 2f, tokens, heads * hd + 7);
        Tensor x = base.slice(1, 3, 3 + heads * hd);          // rows with a stride, like a fused qkv output
        float[] in = x.toFloatArray();
        CPU.rope(x, heads, start, 10000f);
        float[] inv = CpuAttention.inverseFrequencies(hd, 10000f);
        double[] want = new double[in.length];
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < hd / 2; i++) {
                    double angle = (float) (start + t) * inv[i];      // the angle is a float product by convention
                    int lo = t * heads * hd + h * hd + i, hi = lo + hd / 2;
                    want[lo] = in[lo] * Math.cos(angle) - in[hi] * Math.sin(angle);
                    want[hi] = in[hi] * Math.cos(angle) + in[lo] * Math.sin(angle);
                }
        double err = Accuracy.relError(x.toFloatArray(), want);
        assertTrue(err < 1e-6, "rope: rel error " + err);
    }

    @Test void attentionMatchesTorch() {
        int heads = (int) GOLDENS.get("attn.params").toFloatArray()[0];
        Tensor q = GOLDENS.get("attn.q"), k = GOLDENS.get("attn.k"), v = GOLDENS.get("attn.v");
        for (boolean causal : new boolean[] {false, true}) {
            float[] got = CPU.attention(q, k, v, heads, causal).toFloatArray();
            double err = Accuracy.absError(got, GOLDENS.get(causal ? "attn.causal" : "attn.full").toFloatArray());
            assertTrue(err < 2e-6, "attention causal=" + causal + " vs torch: max abs error " + err);
        }
    }

    @Test void attentionMatchesDoubleReference() {
        int[][] cases = {{7, 13, 5, 20}, {1, 300, 4, 128}, {37, 37, 2, 64}, {12, 29, 3, 32},   // T, S, H, hd
                         {19, 150, 3, 20}};                  // row groups of the decode path, several value chunks
        for (int[] c : cases)
            for (boolean causal : new boolean[] {false, true}) {
                int tokens = c[0], keys = c[1], heads = c[2], hd = c[3];
                Tensor q = Accuracy.random(c[0] + 1, 2f, tokens, heads * hd);
                Tensor k = Accuracy.random(c[1] + 2, 2f, keys, heads * hd), v = Accuracy.random(c[2] + 3, 1f, keys, heads * hd);
                float[] got = CPU.attention(q, k, v, heads, causal).toFloatArray();
                double err = Accuracy.relError(got, attentionReference(q, k, v, heads, causal));
                assertTrue(err < 2e-6, "attention T=" + tokens + " S=" + keys + " H=" + heads + " hd=" + hd
                        + " causal=" + causal + ": rel error " + err);
            }
    }

    /** The decode path splits keys over threads and sums fixed chunks of values: the same bits on 1, 2 or 3 threads. */
    @Test void decodeAttentionIsIndependentOfThreadCount() {
        for (int[] c : new int[][] {{1, 300, 4, 128}, {3, 200, 5, 20}}) {      // T, S, H, hd
            int tokens = c[0], keys = c[1], heads = c[2], hd = c[3];
            Tensor q = Accuracy.random(5, 2f, tokens, heads * hd), k = Accuracy.random(6, 2f, keys, heads * hd);
            Tensor v = Accuracy.random(7, 1f, keys, heads * hd);
            float[] one;
            try (Parallel par = new Parallel(1)) { one = CpuAttention.attention(par, q, k, v, heads, true).toFloatArray(); }
            for (int threads : new int[] {2, 3})
                try (Parallel par = new Parallel(threads)) {
                    assertArrayEquals(one, CpuAttention.attention(par, q, k, v, heads, true).toFloatArray(),
                            "T=" + tokens + " S=" + keys + ": " + threads + " threads differ from 1");
                }
        }
    }

    @Test void causalAttentionNeedsAtLeastAsManyKeysAsQueries() {
        assertThrows(IllegalArgumentException.class, () -> CPU.attention(CPU.zeros(4, 8), CPU.zeros(3, 8), CPU.zeros(3, 8), 2, true));
    }

    static double[] attentionReference(Tensor qt, Tensor kt, Tensor vt, int heads, boolean causal) {
        float[] q = qt.toFloatArray(), k = kt.toFloatArray(), v = vt.toFloatArray();
        int tokens = qt.dim(0), keys = kt.dim(0), width = qt.dim(1), hd = width / heads;
        double[] out = new double[tokens * width];
        for (int h = 0; h < heads; h++)
            for (int t = 0; t < tokens; t++) {
                int visible = causal ? keys - tokens + t + 1 : keys;
                double[] w = new double[visible];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int s = 0; s < visible; s++) {
                    for (int i = 0; i < hd; i++) w[s] += (double) q[t * width + h * hd + i] * k[s * width + h * hd + i];
                    w[s] /= Math.sqrt(hd);
                    max = Math.max(max, w[s]);
                }
                for (int s = 0; s < visible; s++) { w[s] = Math.exp(w[s] - max); sum += w[s]; }
                for (int s = 0; s < visible; s++)
                    for (int i = 0; i < hd; i++) out[t * width + h * hd + i] += w[s] / sum * v[s * width + h * hd + i];
            }
        return out;
    }

    private static void assertBitsEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++)
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), what + " inv_freq[" + i + "]: " + want[i] + " vs " + got[i]);
    }

    /** One F32 tensor of a .safetensors file, found by a regex on the JSON header (kernels has no JSON parser). */
    private static float[] readF32(Path file, String name) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long headerSize = len.getLong(0);
            ByteBuffer header = ByteBuffer.allocate((int) headerSize);
            ch.read(header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\\{[^}]*\"dtype\"\\s*:\\s*\"F32\"[^}]*\"data_offsets\"\\s*:\\s*\\[(\\d+),\\s*(\\d+)]").matcher(json);
            if (!m.find()) throw new IllegalStateException(name + " (F32) not found in " + file);
            long begin = Long.parseLong(m.group(1)), end = Long.parseLong(m.group(2));
            ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(data, 8 + headerSize + begin);
            float[] out = new float[(int) (end - begin) / 4];
            data.flip().asFloatBuffer().get(out);
            return out;
        }
    }
}
