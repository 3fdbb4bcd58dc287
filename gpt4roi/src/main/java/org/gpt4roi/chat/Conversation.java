package org.gpt4roi.chat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.gpt4roi.kernels.Sampler;
import org.gpt4roi.llama.Generator;
import org.gpt4roi.llama.KvCache;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.ImageContext;
import org.gpt4roi.model.StageTimer;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;

/**
 * A multi-turn conversation about one image. The image's vision and pyramid work is done once
 * (the {@link ImageContext}); boxes can be added with any turn and only the new ones are embedded;
 * each turn re-renders the whole v0 prompt and the KV cache keeps every token the new prompt
 * shares with what was already fed, so a turn costs only its new tokens.
 *
 * <pre>
 * turns + boxes ─▶ Prompt.render ─▶ text ─▶ Tokenizer.encode ─▶ ids [T]
 *   ids[0..shared) already in the KV cache; ids[shared..T) ─▶ Gpt4RoiModel.inputsEmbeds ─▶ prefill
 *   ─▶ Generator (sample, stream, stop at "###" or EOS) ─▶ answer; generated ids stay in the cache
 * </pre>
 * Not thread-safe: one question at a time.
 */
public final class Conversation {
    private final Gpt4RoiModel model;
    private final ImageContext image;
    private final KvCache cache;
    private final List<Box> boxes = new ArrayList<>();
    private final List<Prompt.Turn> turns = new ArrayList<>();
    private Tensor regionVectors;       // [K, D] on the model's backend
    private int[] fed = new int[0];     // ids whose keys and values are in the cache, in order

    public Conversation(Gpt4RoiModel model, ImageContext image) {
        this.model = model;
        this.image = image;
        this.cache = model.llm.newCache(model.dir.llama().maxPositions());
        this.regionVectors = model.backend.zeros(0, model.dir.llama().hidden());
    }

    public ImageContext image() { return image; }
    public List<Box> boxes() { return List.copyOf(boxes); }
    public List<Prompt.Turn> turns() { return List.copyOf(turns); }
    public KvCache cache() { return cache; }

    /** Adds boxes (pixels of the original image) for this and later turns; returns their 1-based region numbers. */
    public int[] addBoxes(List<Box> more, StageTimer timer) {
        if (more.isEmpty()) return new int[0];
        int k0 = boxes.size(), d = model.dir.llama().hidden();
        Tensor fresh = timer.time("regions", () -> model.regionVectors(image, more, k0, Probe.NONE)); // [k, D]
        Tensor all = model.backend.zeros(k0 + more.size(), d);                                        // [K, D]
        if (k0 > 0) model.backend.copy(regionVectors, all.slice(0, 0, k0));
        model.backend.copy(fresh, all.slice(0, k0, k0 + more.size()));
        regionVectors = all;
        boxes.addAll(more);
        int[] numbers = new int[more.size()];
        for (int i = 0; i < numbers.length; i++) numbers[i] = k0 + i + 1;
        return numbers;
    }

    /**
     * Asks {@code question} (with {@code <regionN>} tags), streaming the answer's text to {@code onText}
     * (without the "Assistant:" prefix). The exchange becomes part of the conversation.
     */
    public Answer ask(String question, GenerationSettings settings, Consumer<String> onText, StageTimer timer) {
        List<Prompt.Turn> next = new ArrayList<>(turns);
        next.add(new Prompt.Turn(question, null));
        Prompt.Rendered rendered = Prompt.render(next, boxes.size());
        int[] ids = model.tokenizer.encode(rendered.text());
        int context = cache.capacity();
        if (ids.length >= context)
            throw new InputException("the prompt is " + ids.length + " tokens long, past the model's context of " + context
                    + " tokens (max_position_embeddings); ask a shorter question or start a new conversation");
        int shared = Math.min(commonPrefix(fed, ids), ids.length - 1);   // feed at least one token to get logits
        cache.truncate(shared);
        Tensor embeds = model.inputsEmbeds(ids, shared, image, regionVectors, rendered.bboxBoxes());   // [T-shared, D]
        Generator generator = new Generator(model.llm, model.tokenizer, new Sampler(settings.sampler()));
        Generator.Prefill prefill = timer.time("prefill", () -> generator.prefill(embeds, cache, Probe.NONE));
        int room = context - ids.length;
        Generator.Result r = generator.generate(prefill, cache, Math.min(settings.maxNewTokens(), room),
                new AssistantPrefixFilter(onText));
        timer.add("decode", r.timings().decodeNanos());

        int[] all = Arrays.copyOf(ids, ids.length + r.ids().length);
        System.arraycopy(r.ids(), 0, all, ids.length, r.ids().length);
        fed = Arrays.copyOf(all, cache.length());
        String answer = Prompt.cleanAnswer(r.text());
        turns.add(new Prompt.Turn(question, answer));
        List<Integer> unused = new ArrayList<>();
        for (int n = 1; n <= boxes.size(); n++) if (!rendered.regionsNamed().contains(n)) unused.add(n);
        return new Answer(answer, r.text(), ids.length, shared, r.ids(), stopName(r.stop()), unused,
                r.timings().decodeSteps(), r.timings().decodeTokensPerSecond(), ids.length - shared, prefill.nanos());
    }

    private static String stopName(Generator.StopReason s) {
        return switch (s) {
            case EOS -> "eos";
            case STOP_STRING -> "###";
            case MAX_TOKENS -> "max-new-tokens";
            case CONTEXT_FULL -> "context";
        };
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
