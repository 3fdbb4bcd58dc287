package org.gpt4roi.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.kernels.Sampler;
import org.gpt4roi.llama.Generator;
import org.gpt4roi.llama.KvCache;
import org.gpt4roi.model.Fixture;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.ImageContext;
import org.gpt4roi.model.ModelDirectory;
import org.gpt4roi.model.StageTimer;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.vit.RgbImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConversationTest {
    static Gpt4RoiModel model;
    static ImageContext image;
    static final Box BOX1 = new Box(40, 30, 180, 150), BOX2 = new Box(250, 160, 320, 240);

    @BeforeAll static void load() {
        model = Gpt4RoiModel.load(ModelDirectory.open(Fixture.modelDir(), null), Backends.cpu());
        image = model.encodeImage(RgbImage.read(Fixture.testdata().resolve("tiny/case-b/shapes.png")), Probe.NONE, new StageTimer());
    }

    @AfterAll static void close() { model.close(); model.backend.close(); }

    /** Greedy ids for the rendered conversation computed from scratch: a fresh cache, one prefill over everything. */
    static int[] fromScratch(List<Prompt.Turn> turns, List<Box> boxes, int maxNew) {
        Conversation fresh = new Conversation(model, image);
        fresh.addBoxes(boxes, new StageTimer());
        Prompt.Rendered r = Prompt.render(turns, boxes.size());
        int[] ids = model.tokenizer.encode(r.text());
        Tensor regions = model.regionVectors(image, boxes, 0, Probe.NONE);
        KvCache cache = model.llm.newCache(ids.length + maxNew);
        Generator g = new Generator(model.llm, model.tokenizer, new Sampler(Sampler.Settings.greedy()));
        return g.generate(g.prefill(model.inputsEmbeds(ids, 0, image, regions, r.bboxBoxes()), cache, Probe.NONE), cache, maxNew, s -> {}).ids();
    }

    @Test
    void laterTurnsReuseTheCacheAndEqualFullRecomputation() {
        Conversation conv = new Conversation(model, image);
        conv.addBoxes(List.of(BOX1), new StageTimer());
        GenerationSettings greedy = GenerationSettings.greedy(6);
        StringBuilder streamed = new StringBuilder();
        Answer first = conv.ask("What is <region1>?", greedy, streamed::append, new StageTimer());
        assertEquals(0, first.reusedTokens());
        assertEquals(first.text(), streamed.toString().strip(), "streamed text equals the answer");
        assertArrayEquals(fromScratch(List.of(new Prompt.Turn("What is <region1>?", null)), List.of(BOX1), 6), first.generatedIds());

        conv.addBoxes(List.of(BOX2), new StageTimer());             // a box added in a later turn
        Answer second = conv.ask("And <region2> next to region1?", greedy, s -> {}, new StageTimer());
        assertTrue(second.reusedTokens() > 300, "reused " + second.reusedTokens() + " of " + second.promptTokens());
        int[] expected = fromScratch(List.of(new Prompt.Turn("What is <region1>?", first.text()),
                new Prompt.Turn("And <region2> next to region1?", null)), List.of(BOX1, BOX2), 6);
        assertArrayEquals(expected, second.generatedIds(), "cached multi-turn decoding equals recomputation from scratch");
        assertEquals(List.of(), second.unusedRegions());
    }

    @Test
    void unusedBoxesAreReported() {
        Conversation conv = new Conversation(model, image);
        conv.addBoxes(List.of(BOX1, BOX2), new StageTimer());
        Answer a = conv.ask("What is <region2>?", GenerationSettings.greedy(2), s -> {}, new StageTimer());
        assertEquals(List.of(1), a.unusedRegions());
    }

    @Test
    void badInputIsNamed() {
        Conversation conv = new Conversation(model, image);
        conv.addBoxes(List.of(BOX1), new StageTimer());
        InputException e = assertThrows(InputException.class,
                () -> conv.ask("Compare <region1> and <region2>", GenerationSettings.greedy(2), s -> {}, new StageTimer()));
        assertTrue(e.getMessage().contains("region 2"), e.getMessage());
        e = assertThrows(InputException.class,
                () -> conv.ask("why ".repeat(3000), GenerationSettings.greedy(2), s -> {}, new StageTimer()));
        assertTrue(e.getMessage().contains("context of 2048"), e.getMessage());
        e = assertThrows(InputException.class, () -> conv.addBoxes(List.of(new Box(10, 10, 5, 20)), new StageTimer()));
        assertTrue(e.getMessage().contains("box 2") && e.getMessage().contains("x2 < x1"), e.getMessage());
        e = assertThrows(InputException.class, () -> conv.addBoxes(List.of(new Box(Double.NaN, 10, 5, 20)), new StageTimer()));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        // the conversation is still usable after the errors
        assertEquals(2, conv.ask("<region1>?", GenerationSettings.greedy(2), s -> {}, new StageTimer()).generatedIds().length);
    }
}
