package org.gpt4roi.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.gpt4roi.convert.ShardedWriter.Output;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;

/**
 * {@code gpt4roi convert}: the GPT4RoI delta release + LLaMA-7B + CLIP → a model directory of this project.
 * <pre>
 * DELTA/config.json ─────────────────────────────────────────▶ OUT/config.json (mm_vision_tower "clip"), written last
 * DELTA/*.bin ── {@link DeltaPlan} ── + BASE tensor ({@link DeltaSum}) ─▶ OUT/model[-0000N-of-0000M].safetensors
 * VISION/config.json vision_config ────────────────────────────▶ OUT/clip/config.json
 * VISION/{model.safetensors|pytorch_model.bin} vision_model.* ──▶ OUT/clip/model.safetensors (dtype kept)
 * DELTA/tokenizer files ───────────────────────────────────────▶ OUT/
 * </pre>
 * Tensors stream one at a time from memory-mapped inputs whose pages are dropped once copied, so
 * memory use stays near the largest tensor (0.26 GB merged for the 7B model), whatever the model size.
 */
public final class Converter {
    /** Files copied from the delta release; the first two are required ({@code tokenizer.model} may come from the base). */
    static final List<String> TOKENIZER_FILES =
            List.of("tokenizer.model", "added_tokens.json", "special_tokens_map.json", "tokenizer_config.json");

    /** What to convert; {@code maxShardBytes} bounds each output file. */
    public record Options(Path base, Path delta, Path vision, Path out, long maxShardBytes) {}

    /** What was written. */
    public record Report(int merged, int raw, List<String> dropped, List<String> unused, int shards, long modelBytes,
                         int clipTensors, long clipBytes, List<String> copied, double seconds) {}

    private Converter() {}

    /** Converts; progress goes to {@code log}. */
    public static Report run(Options o, PrintWriter log) {
        long started = System.nanoTime();
        requireEmptyOutput(o.out());
        Path deltaConfigFile = o.delta().resolve("config.json"), clipConfigFile = o.vision().resolve("config.json");
        ObjectNode clipConfig = ConvertedConfigs.clip(ConvertedConfigs.read(clipConfigFile), clipConfigFile.toString());
        ObjectNode config = ConvertedConfigs.model(ConvertedConfigs.read(deltaConfigFile), clipConfig, deltaConfigFile.toString());
        Map<String, int[]> expected = ExpectedTensors.model(config, deltaConfigFile.toString());
        Map<String, int[]> expectedClip = ExpectedTensors.clipVision(clipConfig, clipConfigFile.toString());
        List<Path> tokenizer = tokenizerFiles(o);

        try (Checkpoint delta = Checkpoint.open(o.delta()); Checkpoint base = Checkpoint.open(o.base());
             Checkpoint clip = Checkpoint.open(o.vision())) {
            log.println("delta:  " + delta.source() + "\nbase:   " + base.source() + "\nvision: " + clip.source());
            DeltaPlan plan = DeltaPlan.of(delta, base, expected);
            List<Output> model = plan.items().stream().map(Converter::output).toList();
            List<Output> vision = visionOutputs(clip, expectedClip);
            long modelBytes = sum(model), clipBytes = sum(vision);
            requireSpace(o.out(), modelBytes + clipBytes);

            Path clipDir = o.out().resolve(ConvertedConfigs.CLIP_DIR);
            Files.createDirectories(clipDir);
            log.println("writing " + model.size() + " tensors (" + ByteSize.format(modelBytes) + ") to " + o.out());
            int shards = ShardedWriter.write(o.out(), model, o.maxShardBytes(), new Progress(log, modelBytes));
            log.println("writing " + vision.size() + " CLIP vision tensors (" + ByteSize.format(clipBytes) + ") to " + clipDir);
            ShardedWriter.write(clipDir, vision, Long.MAX_VALUE, new Progress(log, clipBytes));
            List<String> copied = new ArrayList<>();
            for (Path f : tokenizer) {
                Files.copy(f, o.out().resolve(f.getFileName().toString()), StandardCopyOption.COPY_ATTRIBUTES);
                copied.add(f.getFileName().toString());
            }
            ConvertedConfigs.write(clipDir.resolve("config.json"), clipConfig);
            ConvertedConfigs.write(o.out().resolve("config.json"), config);   // last: its presence marks a finished directory
            int merged = (int) plan.items().stream().filter(i -> i.base() != null).count();
            return new Report(merged, plan.items().size() - merged, plan.dropped(), plan.unused(), shards, modelBytes,
                    vision.size(), clipBytes, copied, (System.nanoTime() - started) / 1e9);
        } catch (IOException e) {
            throw new ModelFileException("cannot write " + o.out() + ": " + e.getMessage(), e);
        }
    }

    /** A merged or raw model tensor. */
    private static Output output(DeltaPlan.Item item) {
        Tensor d = item.delta();
        return new Output(item.name(), d.dtype(), d.shape(),
                arena -> item.base() == null ? TensorBytes.contiguous(d, arena) : DeltaSum.merged(d, item.base(), arena),
                () -> TensorBytes.unload(d, item.base()));
    }

    /** Every {@code vision_model.*} tensor as stored; the ones the tower needs must be there with their shapes. */
    private static List<Output> visionOutputs(Checkpoint clip, Map<String, int[]> expected) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            if (!clip.contains(e.getKey())) problems.add("'" + e.getKey() + "' is missing");
            else if (!Arrays.equals(clip.get(e.getKey()).shape(), e.getValue()))
                problems.add("'" + e.getKey() + "' has shape " + Arrays.toString(clip.get(e.getKey()).shape())
                        + ", its config.json calls for " + Arrays.toString(e.getValue()));
        }
        if (!problems.isEmpty())
            throw new ModelFileException(clip.source() + " is not the CLIP vision tower its config.json describes: "
                    + String.join("; ", problems.subList(0, Math.min(8, problems.size())))
                    + (problems.size() > 8 ? "; ... " + (problems.size() - 8) + " more" : ""));
        return clip.names().stream().filter(n -> n.startsWith("vision_model.")).map(n -> {
            Tensor t = clip.get(n);
            return new Output(n, t.dtype(), t.shape(), arena -> TensorBytes.contiguous(t, arena), () -> TensorBytes.unload(t));
        }).toList();
    }

    /** tokenizer.model (delta, else base) and added_tokens.json are required; the other two are copied when present. */
    private static List<Path> tokenizerFiles(Options o) {
        List<Path> files = new ArrayList<>();
        for (String name : TOKENIZER_FILES) {
            Path f = o.delta().resolve(name);
            if (!Files.isRegularFile(f) && name.equals("tokenizer.model")) f = o.base().resolve(name);
            if (Files.isRegularFile(f)) files.add(f);
            else if (name.equals("tokenizer.model") || name.equals("added_tokens.json"))
                throw new ModelFileException(o.delta().resolve(name) + " is missing (it is part of the GPT4RoI delta release)");
        }
        return files;
    }

    private static void requireEmptyOutput(Path out) {
        if (!Files.exists(out)) return;
        if (!Files.isDirectory(out)) throw new InputException("--out " + out + " exists and is not a directory");
        try (Stream<Path> entries = Files.list(out)) {
            if (entries.findAny().isPresent())
                throw new InputException("--out " + out + " is not empty; give a new directory (or remove this one)");
        } catch (IOException e) {
            throw new InputException("--out " + out + ": " + e.getMessage());
        }
    }

    private static void requireSpace(Path out, long bytes) {
        Path existing = out.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        try {
            long free = Files.getFileStore(existing).getUsableSpace();
            if (free < bytes)
                throw new InputException("--out " + out + ": the conversion writes " + ByteSize.format(bytes) + " but only "
                        + ByteSize.format(free) + " are free there");
        } catch (IOException e) {
            throw new InputException("--out " + out + ": " + e.getMessage());
        }
    }

    private static long sum(List<Output> outputs) { return outputs.stream().mapToLong(Output::byteSize).sum(); }

    /** The report as the command prints it. */
    public static String summary(Report r, Path out) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "converted in %.1f s → %s%n", r.seconds(), out));
        s.append(String.format("  model: %d tensors (%d delta-merged, %d raw), %s in %d file%s; %d inv_freq buffers dropped%n",
                r.merged() + r.raw(), r.merged(), r.raw(), ByteSize.format(r.modelBytes()), r.shards(),
                r.shards() == 1 ? "" : "s", r.dropped().size()));
        if (!r.unused().isEmpty())
            s.append("  note: kept ").append(r.unused().size()).append(" tensor(s) this project does not use, e.g. ")
                    .append(r.unused().getFirst()).append('\n');
        s.append(String.format("  clip:  %d vision tensors, %s%n", r.clipTensors(), ByteSize.format(r.clipBytes())));
        s.append("  tokenizer: ").append(String.join(", ", r.copied())).append('\n');
        return s.toString();
    }
}
