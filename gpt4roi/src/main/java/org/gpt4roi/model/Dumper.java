package org.gpt4roi.model;

import java.util.List;
import java.util.Map;
import org.gpt4roi.chat.Prompt;
import org.gpt4roi.kernels.Sampler;
import org.gpt4roi.llama.KvCache;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.vit.RgbImage;

/**
 * One single-turn inference that records every tensor of the reference's golden list
 * ({@code ../shared/reference/README.md} §5) under the same names: greedy decoding for a fixed
 * number of steps, no stop rules, so any run can be compared stage by stage.
 */
public final class Dumper {
    private Dumper() {}

    public static TensorCollector run(Gpt4RoiModel model, RgbImage image, List<Box> boxes, String question, int steps) {
        TensorCollector c = new TensorCollector(model.backend);
        StageTimer timer = new StageTimer();
        ImageContext img = model.encodeImage(image, c, timer);
        Tensor regions = model.regionVectors(img, boxes, 0, c);
        Prompt.Rendered prompt = Prompt.render(List.of(new Prompt.Turn(question, null)), boxes.size());
        int[] ids = model.tokenizer.encode(prompt.text());
        c.put("input_ids", Tensor.ofLongs(toLongs(ids), ids.length));
        Tensor embeds = model.inputsEmbeds(ids, 0, img, regions, prompt.bboxBoxes());    // [T, D]
        c.accept("inputs_embeds", embeds);
        KvCache cache = model.llm.newCache(ids.length + steps);
        float[] logits = model.llm.forward(embeds, cache, c);                              // [V]
        c.put("prefill.logits_last", Tensor.ofFloats(logits, logits.length));
        long[] greedy = new long[steps];
        float[] margin = new float[steps];
        for (int n = 0; n < steps; n++) {
            c.put("greedy.logits." + n, Tensor.ofFloats(logits, logits.length));
            int id = Sampler.argmax(logits);
            greedy[n] = id;
            margin[n] = logits[id] - secondLargest(logits, id);
            if (n + 1 < steps) logits = model.llm.forward(model.llm.embed(new int[] {id}), cache, org.gpt4roi.tensor.Probe.NONE);
        }
        c.put("greedy_ids", Tensor.ofLongs(greedy, steps));
        c.put("greedy.margin", Tensor.ofFloats(margin, steps));
        return c;
    }

    /** Safetensors metadata describing a dump. */
    public static Map<String, String> metadata(Gpt4RoiModel model, String imageName, RgbImage image, String question, int steps, int[] greedy) {
        return Map.of("reference", "gpt4roi-java", "dtype", "float32", "image", imageName,
                "image_size", image.width() + "x" + image.height(), "question", question, "steps", Integer.toString(steps),
                "greedy_text", model.tokenizer.decode(greedy));
    }

    private static float secondLargest(float[] v, int top) {
        float best = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < v.length; i++) if (i != top && v[i] > best) best = v[i];
        return best;
    }

    private static long[] toLongs(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = ids[i];
        return out;
    }
}
