package org.gpt4roi.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Sampler;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    static Backend backend;
    static SafeTensors weights;
    static Tokenizer tokenizer;
    static SafeTensors golden;

    @BeforeAll
    static void load() {
        backend = Golden.backend();
        weights = Golden.weights();
        tokenizer = Golden.tokenizer();
        golden = SafeTensors.open(Golden.TESTDATA.resolve("tiny/case-a/golden.safetensors"));
    }

    @AfterAll
    static void close() {
        golden.close();
        weights.close();
        backend.close();
    }

    static int[] greedyIds() { return Arrays.stream(golden.get("greedy_ids").toLongArray()).mapToInt(x -> (int) x).toArray(); }

    Generator.Result run(LlamaConfig config, int maxNewTokens, List<String> streamed) {
        LlamaModel model = new LlamaModel(config, weights, backend);
        Tensor embeds = backend.upload(golden.get("inputs_embeds"));
        KvCache cache = model.newCache(embeds.dim(0) + maxNewTokens);
        Generator generator = new Generator(model, tokenizer, new Sampler(Sampler.Settings.greedy()));
        Generator.Prefill prefill = generator.prefill(embeds, cache, Probe.NONE);
        return generator.generate(prefill, cache, maxNewTokens, streamed::add);
    }

    @Test
    void greedyGenerationReproducesTheGoldenAndStreamsItsText() {
        List<String> streamed = new ArrayList<>();
        Generator.Result r = run(Golden.config(), 10, streamed);
        assertArrayEquals(greedyIds(), r.ids());
        assertEquals(Generator.StopReason.MAX_TOKENS, r.stop());
        assertEquals(golden.metadata().get("greedy_text"), r.text());
        assertEquals(r.text(), String.join("", streamed));
        assertEquals(316, r.timings().prefillTokens());
        assertEquals(9, r.timings().decodeSteps());
        assertTrue(r.timings().prefillTokensPerSecond() > 0 && r.timings().decodeTokensPerSecond() > 0);
    }

    @Test
    void stopsOnEos() {
        LlamaConfig c = Golden.config();
        int eos = greedyIds()[3];     // pretend the 4th greedy token is EOS
        LlamaConfig withEos = new LlamaConfig(c.hidden(), c.intermediate(), c.heads(), c.layers(), c.rmsEps(), c.vocab(),
                c.maxPositions(), c.ropeTheta(), c.bosId(), eos, c.padId());
        List<String> streamed = new ArrayList<>();
        Generator.Result r = run(withEos, 10, streamed);
        assertArrayEquals(Arrays.copyOf(greedyIds(), 4), r.ids());
        assertEquals(Generator.StopReason.EOS, r.stop());
        assertEquals(tokenizer.decode(Arrays.copyOf(greedyIds(), 3)), r.text());
    }

    @Test
    void stopStringEndsTheAnswerAndIsNeverPrinted() {
        List<String> streamed = new ArrayList<>();
        AnswerText answer = new AnswerText(tokenizer, Generator.STOP_STRING, streamed::add);
        int[] withBos = tokenizer.encode("A tie.\n## ## #x\n###");     // ... <0x0A> ## #
        int[] ids = Arrays.copyOfRange(withBos, 1, withBos.length);
        int added = 0;
        boolean stopped = false;
        for (int id : ids) {
            added++;
            if (answer.add(id)) { stopped = true; break; }
        }
        assertTrue(stopped);
        assertEquals(ids.length, added, "stops on the id that completes ###");
        assertEquals("A tie.\n## ## #x\n", answer.finish());
        assertEquals("A tie.\n## ## #x\n", String.join("", streamed));
        assertFalse(streamed.stream().anyMatch(s -> s.contains("###")));
    }

    @Test
    void stopStringIsNotCheckedOnTheFirstToken() {
        int hashes = tokenizer.idOf("▁###");          // decodes to "###" as the first piece
        List<String> streamed = new ArrayList<>();
        AnswerText answer = new AnswerText(tokenizer, Generator.STOP_STRING, streamed::add);
        assertFalse(answer.add(hashes), "like KeywordsStoppingCriteria, the first token is not checked");
        assertTrue(answer.add(tokenizer.idOf("▁Hello")));
        assertEquals("", answer.finish());
        assertEquals(List.of(), streamed);
    }
}
