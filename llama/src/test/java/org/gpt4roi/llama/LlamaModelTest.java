package org.gpt4roi.llama;

import static org.gpt4roi.llama.Golden.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The decoder against the reference goldens of both tiny cases: the golden {@code inputs_embeds}
 * are injected, every probed tensor and the logits of 10 greedy KV-cache steps must match within
 * the reference's tolerance (5e-5 normwise), and the greedy ids exactly.
 */
class LlamaModelTest {
    static final double TOL = 5e-5;
    static Backend backend;
    static SafeTensors weights;
    static LlamaModel model;
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        backend = Golden.backend();
        weights = Golden.weights();
        model = new LlamaModel(Golden.config(), weights, backend);
        tokenizer = Golden.tokenizer();
    }

    @AfterAll
    static void close() {
        weights.close();
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"case-a", "case-b"})
    void prefillAndGreedyStepsMatchTheGolden(String caseName) throws IOException {
        var dir = Golden.TESTDATA.resolve("tiny").resolve(caseName);
        String prompt = new ObjectMapper().readTree(dir.resolve("input.json").toFile()).get("prompt_text").asText();
        try (SafeTensors golden = SafeTensors.open(dir.resolve("golden.safetensors"))) {
            int[] inputIds = Arrays.stream(golden.get("input_ids").toLongArray()).mapToInt(x -> (int) x).toArray();
            assertArrayEquals(inputIds, tokenizer.encode(prompt), caseName + ": input_ids vs our tokenizer on prompt_text");

            Tensor embeds = backend.upload(golden.get("inputs_embeds"));                 // [T,D]
            Map<String, float[]> probed = new HashMap<>();
            KvCache cache = model.newCache(embeds.dim(0) + 10);
            float[] logits = model.forward(embeds, cache, (name, t) -> probed.put(name, backend.download(t).toFloatArray()));
            for (String name : new String[] {"prefill.layer.0", "prefill.layer.1", "prefill.norm_last"})
                assertClose(caseName + " " + name, probed.get(name), golden.get(name).toFloatArray(), TOL);
            assertClose(caseName + " prefill.logits_last", logits, golden.get("prefill.logits_last").toFloatArray(), TOL);

            long[] greedy = golden.get("greedy_ids").toLongArray();
            for (int n = 0; n < greedy.length; n++) {
                assertClose(caseName + " greedy.logits." + n, logits, golden.get("greedy.logits." + n).toFloatArray(), TOL);
                int id = Golden.argmax(logits);
                assertEquals(greedy[n], id, caseName + ": greedy id " + n);
                if (n + 1 < greedy.length) logits = model.forward(model.embed(new int[] {id}), cache, Probe.NONE);
            }
            assertEquals(embeds.dim(0) + greedy.length - 1, cache.length());
        }
    }

    /**
     * Without a probe the last layer computes only the last row past its keys and values: the logits
     * still match the golden, and the cache holds the same bits as after the all-rows pass.
     */
    @ParameterizedTest
    @ValueSource(strings = {"case-a", "case-b"})
    void lastRowOnlyPrefillMatchesTheGoldenAndCachesTheSameKeys(String caseName) {
        try (SafeTensors golden = SafeTensors.open(Golden.TESTDATA.resolve("tiny").resolve(caseName).resolve("golden.safetensors"))) {
            Tensor embeds = backend.upload(golden.get("inputs_embeds"));                 // [T,D]
            int t = embeds.dim(0);
            KvCache lastRow = model.newCache(t), allRows = model.newCache(t);
            float[] logits = model.forward(embeds, lastRow, Probe.NONE);
            float[] all = model.forward(embeds, allRows, (name, x) -> {});
            assertClose(caseName + " prefill.logits_last (last row only)", logits, golden.get("prefill.logits_last").toFloatArray(), TOL);
            assertClose(caseName + " last row only vs all rows", logits, all, 1e-5);
            for (int l = 0; l < model.config().layers(); l++) {
                assertArrayEquals(backend.download(allRows.keys(l, 0, t)).toFloatArray(), backend.download(lastRow.keys(l, 0, t)).toFloatArray(), "keys of layer " + l);
                assertArrayEquals(backend.download(allRows.values(l, 0, t)).toFloatArray(), backend.download(lastRow.values(l, 0, t)).toFloatArray(), "values of layer " + l);
            }
        }
    }

    /** Logits of each cached decode step equal a fresh prefill over the whole sequence so far. */
    @Test
    void cachedDecodingEqualsFullRecomputation() {
        int[] prompt = tokenizer.encode("A chat between a curious human and an artificial intelligence assistant.\n### Human: hi\n### ");
        KvCache cache = model.newCache(prompt.length + 4);
        float[] logits = model.forward(model.embed(prompt), cache, Probe.NONE);
        int[] sequence = prompt;
        for (int n = 0; n < 4; n++) {
            int id = Golden.argmax(logits);
            sequence = Arrays.copyOf(sequence, sequence.length + 1);
            sequence[sequence.length - 1] = id;
            logits = model.forward(model.embed(new int[] {id}), cache, Probe.NONE);
            float[] full = model.forward(model.embed(sequence), model.newCache(sequence.length), Probe.NONE);
            assertClose("cached step " + n + " vs full", logits, full, 1e-5);
        }
    }

    @Test
    void truncateRollsBackAConversation() {
        int[] a = tokenizer.encode("first turn"), b = tokenizer.encode("second");
        KvCache cache = model.newCache(32);
        model.forward(model.embed(a), cache, Probe.NONE);
        float[] expected = model.forward(model.embed(b), cache, Probe.NONE);
        model.forward(model.embed(tokenizer.encode("something else entirely")), cache, Probe.NONE);
        cache.truncate(a.length + b.length);
        cache.truncate(a.length);
        float[] again = model.forward(model.embed(b), cache, Probe.NONE);
        assertClose("after truncate", again, expected, 0);
        assertEquals(a.length + b.length, cache.length());
    }

    @Test
    void cacheIsSizedUpFrontAndLimited() {
        KvCache cache = model.newCache(20);
        LlamaConfig c = model.config();
        assertEquals(2L * c.layers() * 20 * c.hidden() * Float.BYTES, cache.bytes());
        assertEquals(20, cache.capacity());
        model.forward(model.embed(new int[15]), cache, Probe.NONE);
        var e = assertThrows(InputException.class, () -> model.forward(model.embed(new int[6]), cache, Probe.NONE));
        assertTrue(e.getMessage().contains("21") && e.getMessage().contains("20"), e.getMessage());
        assertEquals(15, cache.length(), "a refused pass leaves the cache unchanged");

        var tooLong = assertThrows(InputException.class, () -> model.newCache(c.maxPositions() + 1));
        assertTrue(tooLong.getMessage().contains("" + c.maxPositions()), tooLong.getMessage());
        var badId = assertThrows(InputException.class, () -> model.embed(new int[] {1, c.vocab()}));
        assertTrue(badId.getMessage().contains("position 1"), badId.getMessage());
    }
}
