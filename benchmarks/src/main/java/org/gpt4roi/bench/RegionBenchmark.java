package org.gpt4roi.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.roi.FusedPyramid;
import org.gpt4roi.roi.RegionConfig;
import org.gpt4roi.roi.RegionExtractor;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.gpt4roi.weights.SafeTensorsWriter;

/**
 * Stage benchmark of the region extractor at the released size (C = 1024, D = 4096, P = 256, 64
 * GroupNorm groups) with random weights, against PyTorch on the CPU in the same run.
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -cp 'benchmarks/target/classes:benchmarks/target/lib/*' org.gpt4roi.bench.RegionBenchmark \
 *      [--threads N] [--boxes 1,8] [--fuse-runs 2] [--embed-runs 3] [--dtype F16|F32] [--seed 1]
 *      [--python /usr/bin/python3] [--script benchmarks/python/region_bench.py] [--no-python] [--dir TMP]
 *      [--stages] [--width 1024] [--hidden 4096]
 * </pre>
 * {@code --stages} adds one run of each part with a probe that prints the time up to each probed
 * tensor; {@code --width}/{@code --hidden} shrink C and D for a quick smoke run. Steps:
 * 1. writes random weights ({@code model.spi_module.*}, F16 like the release by default) and inputs
 *    (4 hidden states [257,1024], 8 boxes) to a temporary folder;
 * 2. times {@code fuse} (once per image) and {@code embed} for each box count (after one warm-up);
 * 3. runs region_bench.py on the same files with the same thread count;
 * 4. prints both, the ratio, and the normwise difference of the outputs (fused maps, embeddings).
 * The weights file is ~600 MB (F16) or ~1.2 GB (F32); it is deleted at the end.
 */
public final class RegionBenchmark {
    private static final float[][] BOXES = {      // normalised x1,y1,x2,y2: ordinary, whole image, small,
        {0.10f, 0.20f, 0.55f, 0.80f}, {0f, 0f, 1f, 1f}, {0.40f, 0.40f, 0.45f, 0.43f}, {0.70f, 0.50f, 1f, 1f},
        {0.3125f, 0.4167f, 0.3187f, 0.4208f}, {-0.10f, 0.20f, 0.30f, 1.10f}, {0.25f, 0.25f, 0.25f, 0.25f},
        {0.05f, 0.60f, 0.95f, 0.90f}};             // border, 2×1 px, partly outside, zero area, wide
    private static final int[] LAYERS = {14, 17, 20, 23};
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Options(int threads, int[] boxCounts, int fuseRuns, int embedRuns, DType dtype, long seed,
                   String python, String script, boolean runPython, boolean stages, Path dir, int width, int hidden) {
        static Options parse(String[] args) throws IOException {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--no-python") || args[i].equals("--stages")) m.put(args[i].substring(2), "true");
                else if (args[i].startsWith("--") && i + 1 < args.length) m.put(args[i].substring(2), args[++i]);
                else throw new IllegalArgumentException("unknown argument " + args[i] + " (see the class Javadoc)");
            }
            return new Options(
                    Integer.parseInt(m.getOrDefault("threads", "" + Runtime.getRuntime().availableProcessors())),
                    Arrays.stream(m.getOrDefault("boxes", "1,8").split(",")).mapToInt(Integer::parseInt).toArray(),
                    Integer.parseInt(m.getOrDefault("fuse-runs", "2")),
                    Integer.parseInt(m.getOrDefault("embed-runs", "3")),
                    DType.valueOf(m.getOrDefault("dtype", "F16")),
                    Long.parseLong(m.getOrDefault("seed", "1")),
                    m.getOrDefault("python", "/usr/bin/python3"),
                    m.getOrDefault("script", "benchmarks/python/region_bench.py"),
                    !m.containsKey("no-python"),
                    m.containsKey("stages"),
                    m.containsKey("dir") ? Path.of(m.get("dir")) : Files.createTempDirectory("region-bench"),
                    Integer.parseInt(m.getOrDefault("width", "1024")),
                    Integer.parseInt(m.getOrDefault("hidden", "4096")));
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        RegionConfig cfg = RegionConfig.fromJson(null, o.width(), o.hidden());
        Path weightsFile = o.dir().resolve("model.safetensors"), inputsFile = o.dir().resolve("inputs.safetensors");
        Path torchOut = o.dir().resolve("torch-out.safetensors");
        System.out.printf("region extractor benchmark: C=%d D=%d P=%d G=%d, %s weights, %d threads, load average %s%n",
                cfg.embedDims(), cfg.hiddenSize(), cfg.posHiddenDims(), cfg.gnGroups(), o.dtype(), o.threads(), loadAverage());
        long t0 = System.nanoTime();
        writeWeights(weightsFile, cfg, o.dtype(), new SplittableRandom(o.seed()));
        writeInputs(inputsFile, cfg, new SplittableRandom(o.seed() + 1));
        System.out.printf("wrote random weights and inputs to %s in %.1f s%n", o.dir(), seconds(t0));

        Map<String, Tensor> javaOut = new LinkedHashMap<>();
        List<String> rows = new ArrayList<>();
        double[] javaFuse;
        Map<Integer, double[]> javaEmbed = new LinkedHashMap<>();
        try (SafeTensors weights = SafeTensors.open(weightsFile); SafeTensors inputs = SafeTensors.open(inputsFile);
             Backend backend = Backends.create("cpu", o.threads(), 0)) {
            RegionExtractor extractor = new RegionExtractor(cfg, weights, backend);
            Tensor[] levels = new Tensor[LAYERS.length];
            for (int l = 0; l < levels.length; l++) levels[l] = backend.upload(inputs.get("vision.hidden_states." + LAYERS[l]));
            FusedPyramid[] fused = new FusedPyramid[1];
            javaFuse = time(o.fuseRuns(), () -> {
                fused[0] = extractor.fuse(levels, Probe.NONE);
                backend.download(fused[0].level(3));                          // waits for a device backend
            });
            if (o.stages()) {
                StageClock clock = new StageClock();
                extractor.fuse(levels, clock);
                System.out.println("java fuse, time up to each probed tensor (one more run): " + clock);
            }
            for (int l = 0; l < 4; l++) javaOut.put("spi.fused." + l, backend.download(fused[0].level(l)));
            for (int k : o.boxCounts()) {
                float[][] boxes = Arrays.copyOf(BOXES, k);
                Tensor[] out = {extractor.embed(fused[0], boxes, Probe.NONE)};   // warm-up
                javaEmbed.put(k, time(o.embedRuns(), () -> out[0] = backend.download(extractor.embed(fused[0], boxes, Probe.NONE))));
                javaOut.put("region_embeddings." + k, out[0]);
                if (o.stages()) {
                    StageClock clock = new StageClock();
                    extractor.embed(fused[0], boxes, clock);
                    System.out.println("java embed, " + k + " box(es), time up to each probed tensor (one more run): " + clock);
                }
            }
        }
        System.out.printf("java  fuse %s s; embed %s%n", fmt(javaFuse), fmtEmbed(javaEmbed));

        JsonNode torch = null;
        if (o.runPython()) {
            torch = runPython(o, cfg, weightsFile, inputsFile, torchOut);
            System.out.printf("torch %s fuse %s s; embed %s%n", torch.get("torch").asText(), torch.get("fuse"), torch.get("embed"));
        }
        rows.add("| part | Java (min of runs) | PyTorch (min of runs) | Java / PyTorch |");
        rows.add("|---|---|---|---|");
        double torchFuse = torch == null ? Double.NaN : min(torch.get("fuse"));
        rows.add(row("fuse (once per image)", min(javaFuse), torchFuse));
        for (int k : o.boxCounts()) {
            double torchEmbed = torch == null ? Double.NaN : min(torch.get("embed").get("" + k));
            rows.add(row("embed, " + k + " box" + (k == 1 ? "" : "es"), min(javaEmbed.get(k)), torchEmbed));
            rows.add(row("whole module, " + k + " box" + (k == 1 ? "" : "es"), min(javaFuse) + min(javaEmbed.get(k)), torchFuse + torchEmbed));
        }
        System.out.println();
        rows.forEach(System.out::println);
        if (torch != null) {
            try (SafeTensors ref = SafeTensors.open(torchOut)) {
                System.out.println();
                for (var e : javaOut.entrySet())
                    System.out.printf("normwise difference Java vs PyTorch, %-22s %.2e%n", e.getKey(),
                            normwiseError(e.getValue().toFloatArray(), ref.get(e.getKey()).toFloatArray()));
            }
        }
        System.out.printf("load average at the end: %s%n", loadAverage());
        for (Path p : new Path[] {weightsFile, inputsFile, torchOut}) Files.deleteIfExists(p);
        if (!Arrays.asList(args).contains("--dir")) Files.deleteIfExists(o.dir());
    }

    // ---------------------------------------------------------------- random model and inputs

    /** All {@code model.spi_module.*} tensors, drawn like the reference's random models (std 1/√fan_in, norms ≈ 1). */
    private static void writeWeights(Path file, RegionConfig cfg, DType dtype, SplittableRandom rng) throws IOException {
        int c = cfg.embedDims(), p = cfg.posHiddenDims(), d = cfg.hiddenSize();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (int l = 0; l < 4; l++) {
            shapes.put("mlvl_fuse.input_conv." + l + ".weight", new int[] {c, c + 2, 1, 1});
            shapes.put("mlvl_fuse.input_conv." + l + ".bias", new int[] {c});
        }
        for (int r = 0; r < cfg.numFuse(); r++) {
            shapes.put("mlvl_fuse.fuse_convs." + r + ".conv.weight", new int[] {c, c, 3, 3});
            shapes.put("mlvl_fuse.fuse_convs." + r + ".gn.weight", new int[] {c});
            shapes.put("mlvl_fuse.fuse_convs." + r + ".gn.bias", new int[] {c});
        }
        for (int l = 0; l < 4; l++) {
            shapes.put("roi_align.pconvs." + l + ".weight", new int[] {c, c, 3, 3});
            shapes.put("roi_align.pconvs." + l + ".bias", new int[] {c});
        }
        shapes.put("roi_align.flatten_linear.weight", new int[] {c, cfg.flatDims()});
        shapes.put("roi_align.flatten_linear.bias", new int[] {c});
        shapes.put("roi_align.pos_embedd.0.weight", new int[] {p, 4});
        shapes.put("roi_align.pos_embedd.0.bias", new int[] {p});
        shapes.put("roi_align.pos_embedd.2.weight", new int[] {p});
        shapes.put("roi_align.pos_embedd.2.bias", new int[] {p});
        shapes.put("roi_align.pos_embedd.3.weight", new int[] {c, p});
        shapes.put("roi_align.pos_embedd.3.bias", new int[] {c});
        shapes.put("roi_align.pos_embedd.5.weight", new int[] {c});
        shapes.put("roi_align.pos_embedd.5.bias", new int[] {c});
        shapes.put("roi_align.updims.weight", new int[] {d, c});
        shapes.put("roi_align.updims.bias", new int[] {d});

        List<SafeTensorsWriter.Entry> plan = new ArrayList<>();
        shapes.forEach((name, shape) -> plan.add(new SafeTensorsWriter.Entry("model.spi_module." + name, dtype, shape)));
        try (SafeTensorsWriter w = SafeTensorsWriter.create(file, plan, Map.of("format", "pt"))) {
            for (var e : shapes.entrySet()) {
                int[] shape = e.getValue();
                String name = e.getKey();
                boolean vector = shape.length == 1;
                boolean normWeight = vector && (name.contains(".gn.weight") || name.matches(".*pos_embedd\\.[25]\\.weight"));
                double std = vector ? (normWeight ? 0.1 : 0.05) : 1 / Math.sqrt((double) Tensor.numel(shape) / shape[0]);
                w.write("model.spi_module." + name, random(dtype, shape, normWeight ? 1 : 0, std, rng));
            }
        }
    }

    /** Four hidden states [257,C] (RMS ≈ 4, like CLIP's) and the boxes, F32. */
    private static void writeInputs(Path file, RegionConfig cfg, SplittableRandom rng) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (int layer : LAYERS) t.put("vision.hidden_states." + layer, random(DType.F32, new int[] {257, cfg.embedDims()}, 0, 4, rng));
        float[] boxes = new float[BOXES.length * 4];
        for (int i = 0; i < BOXES.length; i++) System.arraycopy(BOXES[i], 0, boxes, 4 * i, 4);
        t.put("boxes_norm", Tensor.ofFloats(boxes, BOXES.length, 4));
        SafeTensorsWriter.writeAll(file, t, Map.of());
    }

    /** Uniform values with the given mean and standard deviation, rounded to {@code dtype} (F32 or F16). */
    private static Tensor random(DType dtype, int[] shape, double mean, double std, SplittableRandom rng) {
        Tensor t = Tensor.zeros(dtype, shape);
        MemorySegment seg = t.segment();
        double half = std * Math.sqrt(3);
        long n = t.numel();
        for (long i = 0; i < n; i++) {
            float v = (float) (mean + half * (2 * rng.nextDouble() - 1));
            if (dtype == DType.F16) seg.setAtIndex(F16, i, Float.floatToFloat16(v));
            else seg.setAtIndex(F32, i, v);
        }
        return t;
    }

    // ---------------------------------------------------------------- PyTorch

    private static JsonNode runPython(Options o, RegionConfig cfg, Path weights, Path inputs, Path out) throws IOException, InterruptedException {
        List<String> cmd = List.of(o.python(), o.script(), "--weights", weights.toString(), "--inputs", inputs.toString(),
                "--out", out.toString(), "--threads", "" + o.threads(),
                "--boxes", String.join(",", Arrays.stream(o.boxCounts()).mapToObj(Integer::toString).toList()),
                "--fuse-runs", "" + o.fuseRuns(), "--embed-runs", "" + o.embedRuns(), "--gn-groups", "" + cfg.gnGroups());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("region_bench.py failed (exit " + p.exitValue() + "): " + stdout);
        String[] lines = stdout.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    // ---------------------------------------------------------------- timing and printing

    /** A probe that notes the time since the previous probed tensor (cpu backend: ops are synchronous). */
    private static final class StageClock implements Probe {
        private final StringBuilder stages = new StringBuilder();
        private long last = System.nanoTime();

        @Override public void accept(String name, Tensor t) {
            long now = System.nanoTime();
            stages.append(String.format("%s %.3f s; ", name, (now - last) / 1e9));
            last = now;
        }

        @Override public String toString() { return stages.toString(); }
    }

    private static double[] time(int runs, Runnable work) {
        double[] s = new double[runs];
        for (int i = 0; i < runs; i++) {
            System.gc();                          // frees the previous run's off-heap tensors outside the timing
            long t0 = System.nanoTime();
            work.run();
            s[i] = seconds(t0);
        }
        return s;
    }

    private static double seconds(long t0) { return (System.nanoTime() - t0) / 1e9; }

    private static double min(double[] v) { return Arrays.stream(v).min().orElse(Double.NaN); }

    private static double min(JsonNode v) {
        double m = Double.POSITIVE_INFINITY;
        for (JsonNode x : v) m = Math.min(m, x.asDouble());
        return m;
    }

    private static String row(String part, double java, double torch) {
        return String.format("| %s | %.3f s | %.3f s | %.2f |", part, java, torch, java / torch);
    }

    private static String fmt(double[] v) {
        return Arrays.toString(Arrays.stream(v).map(x -> Math.round(x * 1000) / 1000.0).toArray());
    }

    private static String fmtEmbed(Map<Integer, double[]> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(k).append(" box(es) ").append(fmt(v)).append(" s; "));
        return b.toString();
    }

    private static String loadAverage() {
        try { return Files.readString(Path.of("/proc/loadavg")).strip(); } catch (IOException e) { return "unknown"; }
    }

    private static double normwiseError(float[] actual, float[] expected) {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxErr = Math.max(maxErr, Math.abs((double) actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxErr / maxRef;
    }
}
