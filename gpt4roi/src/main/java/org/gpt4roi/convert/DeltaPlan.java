package org.gpt4roi.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;

/**
 * What becomes of each delta tensor (spec §5.2), decided and checked before a byte is written:
 * <pre>
 *   model.layers.N.self_attn.rotary_emb.inv_freq   dropped (a buffer; recomputed at run time)
 *   model.mm_projector.*, model.spi_module.*       raw (trained from scratch, not deltas)
 *   every other tensor                             delta + base tensor of the same name; for
 *                                                  embed_tokens / lm_head only the base's rows
 *                                                  (0..31999), the 6 new token rows stay raw
 * </pre>
 * Every tensor the configs call for must come out with its expected shape.
 */
record DeltaPlan(List<Item> items, List<String> dropped, List<String> unused) {
    private static final int MAX_LISTED = 12;

    /** One output tensor: the delta view, and the base view to add to its leading elements (null: raw). */
    record Item(String name, Tensor delta, Tensor base) {
        long bytes() { return delta.numel() * delta.dtype().size; }
    }

    static DeltaPlan of(Checkpoint delta, Checkpoint base, Map<String, int[]> expected) {
        List<Item> items = new ArrayList<>();
        List<String> dropped = new ArrayList<>(), unused = new ArrayList<>(), problems = new ArrayList<>();
        for (String name : delta.names()) {
            Tensor d = delta.get(name);
            if (isBuffer(name)) { dropped.add(name); continue; }
            if (!d.dtype().isFloat()) { problems.add("delta tensor '" + name + "' has dtype " + d.dtype() + ", not a float type"); continue; }
            int[] want = expected.get(name);
            if (want == null) unused.add(name);
            else if (!Arrays.equals(want, d.shape()))
                problems.add("delta tensor '" + name + "' has shape " + Arrays.toString(d.shape()) + ", config.json calls for " + Arrays.toString(want));
            if (isRaw(name)) { items.add(new Item(name, d, null)); continue; }
            if (!base.contains(name)) {
                problems.add("delta tensor '" + name + "' has no counterpart in the base (and is not a projector or region-module tensor)");
                continue;
            }
            Tensor b = base.get(name);
            String why = baseMismatch(name, d, b);
            if (why != null) problems.add(why);
            else items.add(new Item(name, d, b));
        }
        for (String name : base.names())
            if (!isBuffer(name) && !delta.contains(name)) problems.add("base tensor '" + name + "' is not in the delta");
        for (String name : expected.keySet())
            if (!delta.contains(name)) problems.add("tensor '" + name + "' " + Arrays.toString(expected.get(name)) + " is missing from the delta");
        if (!problems.isEmpty()) throw new ModelFileException(describe(problems, delta, base));
        return new DeltaPlan(items, dropped, unused);
    }

    /** Why {@code b} cannot be added to {@code d}, or null when it can. */
    private static String baseMismatch(String name, Tensor d, Tensor b) {
        if (!b.dtype().isFloat()) return "base tensor '" + name + "' has dtype " + b.dtype() + ", not a float type";
        if (Arrays.equals(d.shape(), b.shape())) return null;
        boolean vocabRows = (name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight"))
                && d.rank() == 2 && b.rank() == 2 && d.dim(1) == b.dim(1) && b.dim(0) < d.dim(0);
        return vocabRows ? null : "'" + name + "' has shape " + Arrays.toString(d.shape()) + " in the delta but "
                + Arrays.toString(b.shape()) + " in the base";
    }

    static boolean isBuffer(String name) { return name.endsWith(".rotary_emb.inv_freq"); }

    static boolean isRaw(String name) {
        return name.startsWith("model.mm_projector.") || name.startsWith("model.spi_module.");
    }

    private static String describe(List<String> problems, Checkpoint delta, Checkpoint base) {
        StringBuilder s = new StringBuilder("the delta " + delta.source() + " does not fit the base " + base.source()
                + " and config.json (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):");
        problems.stream().limit(MAX_LISTED).forEach(p -> s.append("\n  ").append(p));
        if (problems.size() > MAX_LISTED) s.append("\n  ... and ").append(problems.size() - MAX_LISTED).append(" more");
        return s.append("\nIs --base LLaMA-7B in Hugging Face format and --delta GPT4RoI-7B-delta-V0?").toString();
    }
}
