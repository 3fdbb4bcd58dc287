package org.gpt4roi.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.vit.ClipConfig;
import org.gpt4roi.vit.VisionTower;
import org.gpt4roi.weights.SafeTensors;
import org.gpt4roi.weights.SafeTensorsWriter;

/**
 * Stage benchmark: one 224×224 image through the CLIP vision tower at ViT-L/14 shapes (width 1024,
 * 24 layers, 16 heads, MLP 4096; random weights, about 1.2 GB F32), timed in Java and, in the same
 * run, in PyTorch on the CPU ({@code benchmarks/python/vision_bench.py}) on the very same weights and
 * pixels, which are written once to a temporary safetensors file. Also checks that both computed
 * the same last hidden state. Reports wall-clock and process CPU time: on a shared machine the CPU
 * time is the steadier of the two.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -cp 'benchmarks/target/classes:benchmarks/target/lib/*' org.gpt4roi.bench.VisionBenchmark \
 *      [--backend cpu] [--threads N] [--warmup W] [--runs R] [--layers L] [--python /usr/bin/python3] [--profile]
 *      [--script benchmarks/python/vision_bench.py] [--no-python] [--width 1024 --heads 16 --mlp 4096]
 * </pre>
 */
public final class VisionBenchmark {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        int width = Integer.parseInt(opt.getOrDefault("width", "1024"));
        int heads = Integer.parseInt(opt.getOrDefault("heads", "16"));
        int mlp = Integer.parseInt(opt.getOrDefault("mlp", "4096"));
        int layers = Integer.parseInt(opt.getOrDefault("layers", "24"));
        int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
        int threads = Integer.parseInt(opt.getOrDefault("threads", "0"));
        int warmup = Integer.parseInt(opt.getOrDefault("warmup", "1"));
        ClipConfig config = new ClipConfig(width, mlp, heads, layers, 14, 224, 1e-5f);

        Path dir = Files.createTempDirectory("vision-bench");
        try {
            Path weights = dir.resolve("model.safetensors"), configFile = dir.resolve("config.json");
            long t0 = System.nanoTime();
            writeRandomTower(weights, config, 42);
            Files.writeString(configFile, String.format(
                    "{\"hidden_size\": %d, \"intermediate_size\": %d, \"num_attention_heads\": %d, \"num_hidden_layers\": %d,"
                            + " \"patch_size\": 14, \"image_size\": 224, \"layer_norm_eps\": 1e-05, \"hidden_act\": \"quick_gelu\"}",
                    width, mlp, heads, layers));
            System.out.printf("random ViT weights: %d layers, width %d, %d heads, MLP %d, %.2f GB F32 (written in %.1f s)%n",
                    layers, width, heads, mlp, Files.size(weights) / 1e9, (System.nanoTime() - t0) / 1e9);
            double gflop = gflopPerImage(config);

            Timing java;
            Tensor javaOut;
            try (SafeTensors file = SafeTensors.open(weights);
                 Backend base = Backends.create(opt.getOrDefault("backend", "cpu"), threads, 0)) {
                Backend backend = opt.containsKey("profile") ? LlamaBenchmark.OpClock.wrap(base) : base;
                VisionTower tower = new VisionTower(config, file, backend);
                Tensor pixels = file.get("pixel_values", 3, 224, 224);
                for (int r = 0; r < warmup; r++) backend.download(tower.hiddenStates(pixels, layers)[0]);
                double[] wall = new double[runs], cpu = new double[runs];
                Tensor last = null;
                for (int r = 0; r < runs; r++) {
                    long start = System.nanoTime(), startCpu = processCpuNanos();
                    last = backend.download(tower.hiddenStates(pixels, layers)[0]);         // [257, C]
                    wall[r] = (System.nanoTime() - start) / 1e9;
                    cpu[r] = (processCpuNanos() - startCpu) / 1e9;
                }
                java = new Timing(wall, cpu);
                javaOut = last;
                java.print("java", backend.describe(), gflop);
                LlamaBenchmark.OpClock.report(backend, "all runs, warm-up included");
            }

            if (opt.containsKey("no-python")) return;
            Path torchOut = dir.resolve("torch-hidden.f32");
            List<String> command = List.of(opt.getOrDefault("python", "/usr/bin/python3"),
                    opt.getOrDefault("script", "benchmarks/python/vision_bench.py"),
                    "--weights", weights.toString(), "--config", configFile.toString(), "--layers", String.valueOf(layers),
                    "--runs", String.valueOf(runs), "--threads", String.valueOf(threads > 0 ? threads : Runtime.getRuntime().availableProcessors()),
                    "--out", torchOut.toString());
            Timing torch = runPython(command);
            torch.print("torch", "PyTorch, cpu", gflop);
            System.out.printf("ratio  PyTorch / Java: %.2f× wall-clock, %.2f× CPU time  (%.1f GFLOP per image, %d layers)%n",
                    median(torch.wall) / median(java.wall), median(torch.cpu) / median(java.cpu), gflop, layers);
            System.out.printf("check  last hidden state, Java vs PyTorch: normwise error %.2e%n", normwiseError(javaOut, readFloats(torchOut)));
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** Multiply-adds ×2 of the patch embedding, the projections, the MLPs and attention's two products. */
    static double gflopPerImage(ClipConfig c) {
        double t = c.numPositions(), w = c.hiddenSize(), i = c.intermediateSize();
        double patch = 2.0 * (t - 1) * w * 3 * c.patchSize() * c.patchSize();
        double perLayer = 2.0 * t * (4 * w * w + 2 * w * i) + 2.0 * 2 * t * t * w;
        return (patch + c.numLayers() * perLayer) / 1e9;
    }

    /**
     * Writes the vision tensors (shapes of HF CLIPVisionModel) plus {@code pixel_values [3,224,224]}:
     * matrices uniform with variance 1/fan_in, norm weights near 1, small biases, so activations stay O(1).
     */
    static void writeRandomTower(Path file, ClipConfig c, long seed) {
        int w = c.hiddenSize(), i = c.intermediateSize(), p = c.patchSize();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("pixel_values", new int[] {3, c.imageSize(), c.imageSize()});
        shapes.put("vision_model.embeddings.class_embedding", new int[] {w});
        shapes.put("vision_model.embeddings.patch_embedding.weight", new int[] {w, 3, p, p});
        shapes.put("vision_model.embeddings.position_embedding.weight", new int[] {c.numPositions(), w});
        shapes.put("vision_model.pre_layrnorm.weight", new int[] {w});
        shapes.put("vision_model.pre_layrnorm.bias", new int[] {w});
        for (int l = 0; l < c.numLayers(); l++) {
            String pre = "vision_model.encoder.layers." + l + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                shapes.put(pre + "self_attn." + proj + ".weight", new int[] {w, w});
                shapes.put(pre + "self_attn." + proj + ".bias", new int[] {w});
            }
            for (String norm : new String[] {"layer_norm1", "layer_norm2"}) {
                shapes.put(pre + norm + ".weight", new int[] {w});
                shapes.put(pre + norm + ".bias", new int[] {w});
            }
            shapes.put(pre + "mlp.fc1.weight", new int[] {i, w});
            shapes.put(pre + "mlp.fc1.bias", new int[] {i});
            shapes.put(pre + "mlp.fc2.weight", new int[] {w, i});
            shapes.put(pre + "mlp.fc2.bias", new int[] {w});
        }
        List<SafeTensorsWriter.Entry> plan = new ArrayList<>();
        shapes.forEach((name, shape) -> plan.add(new SafeTensorsWriter.Entry(name, DType.F32, shape)));
        SplittableRandom random = new SplittableRandom(seed);
        try (SafeTensorsWriter writer = SafeTensorsWriter.create(file, plan, Map.of("generator", "VisionBenchmark seed " + seed));
             Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(4 * shapes.values().stream().mapToLong(Tensor::numel).max().orElseThrow());
            for (Map.Entry<String, int[]> e : shapes.entrySet()) {
                String name = e.getKey();
                int[] shape = e.getValue();
                long n = Tensor.numel(shape);
                double halfWidth, centre = 0;
                if (name.endsWith("norm1.weight") || name.endsWith("norm2.weight") || name.endsWith("layrnorm.weight")) { centre = 1; halfWidth = 0.2; }
                else if (name.endsWith(".bias")) halfWidth = 0.1;
                else if (name.equals("pixel_values")) halfWidth = 2.0;
                else if (name.contains("embeddings.")) halfWidth = name.contains("patch") ? Math.sqrt(3.0 / (3 * p * p)) : 1.0;
                else halfWidth = Math.sqrt(3.0 / shape[1]);                                   // Linear [out, in]
                for (long k = 0; k < n; k++) buffer.setAtIndex(F32, k, (float) (centre + halfWidth * (2 * random.nextDouble() - 1)));
                writer.write(name, buffer.asSlice(0, 4 * n));
            }
        }
    }

    /** Wall-clock and process CPU seconds of each timed run. */
    record Timing(double[] wall, double[] cpu) {
        void print(String who, String what, double gflop) {
            System.out.printf("%-6s %-38s median %.3f s wall (%s), %.3f s CPU (%s); %.1f GFLOP/s%n", who, what,
                    median(wall), times(wall), median(cpu), times(cpu), gflop / median(wall));
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Runs vision_bench.py; its last line is "torch V threads N seconds t1 t2 ... cpu c1 c2 ...". */
    private static Timing runPython(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String last = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (!line.startsWith("torch ")) System.out.println("  python: " + line);
                last = line;
            }
        }
        if (process.waitFor() != 0 || last == null || !last.contains(" seconds ") || !last.contains(" cpu "))
            throw new IllegalStateException("PyTorch baseline failed: " + String.join(" ", command));
        System.out.println("  " + last);
        String wall = last.substring(last.indexOf(" seconds ") + 9, last.indexOf(" cpu ")), cpu = last.substring(last.indexOf(" cpu ") + 5);
        return new Timing(parseDoubles(wall), parseDoubles(cpu));
    }

    private static double[] parseDoubles(String spaceSeparated) {
        return Arrays.stream(spaceSeparated.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    private static float[] readFloats(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return MemorySegment.ofArray(bytes).toArray(F32.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    private static double normwiseError(Tensor actual, float[] expected) {
        float[] a = actual.toFloatArray();
        double diff = 0, max = 0;
        for (int k = 0; k < expected.length; k++) {
            diff = Math.max(diff, Math.abs((double) a[k] - expected[k]));
            max = Math.max(max, Math.abs(expected[k]));
        }
        return diff / max;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String times(double[] seconds) {
        StringBuilder b = new StringBuilder();
        for (double s : seconds) b.append(b.isEmpty() ? "" : " ").append(String.format("%.3f", s));
        return b.append(" s").toString();
    }

    /** {@code --key value} pairs; {@code --flag} alone maps to "". */
    private static Map<String, String> options(String[] args) {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int k = 0; k < args.length; k++) {
            if (!args[k].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + args[k]);
            String key = args[k].substring(2);
            boolean hasValue = k + 1 < args.length && !args[k + 1].startsWith("--");
            opt.put(key, hasValue ? args[++k] : "");
        }
        return opt;
    }
}
