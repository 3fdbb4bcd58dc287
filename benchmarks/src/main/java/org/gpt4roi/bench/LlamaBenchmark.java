package org.gpt4roi.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.llama.KvCache;
import org.gpt4roi.llama.LlamaConfig;
import org.gpt4roi.llama.LlamaModel;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.gpt4roi.weights.SafeTensorsWriter;

/**
 * Stage benchmark of the LLaMA decoder: prefill tokens/s (one batched pass over the prompt) and
 * decode tokens/s (one-token steps with the KV cache), with random weights streamed into a
 * temporary safetensors file and memory-mapped, as a real checkpoint is.
 *
 * <ol>
 *   <li><b>LLaMA-7B shapes, F16</b> (D 4096, I 11008, 32 heads, V 32000). The file holds only
 *       {@code --layers-7b} = k layers (default 4: 2.1 GB instead of 13.5 GB). The k-layer model is
 *       timed with a probe that stamps each layer's output; the median interval between consecutive
 *       layer outputs is one layer's time, and 32 layers are {@code t32 = tk + (32 − k)·median}.
 *       {@code --layers-7b 32} measures the whole model directly. Decode is also reported as a
 *       fraction of two memory-bandwidth bounds: weight bytes per token over {@code --bandwidth} GB/s
 *       (STREAM's triad on this VM) and over the read bandwidth measured at the start of the run.</li>
 *   <li><b>PyTorch comparison, F32</b> (D 2048, I 5504, 16 heads, 16 layers, V 32000; 3.8 GB): this
 *       implementation, then {@code benchmarks/python/llama_bench.py} with the same shape and thread count.</li>
 * </ol>
 * Each side first runs {@code --warmup} (default 1) untimed passes, each a prefill of the same length and
 * two decode steps (JIT warm-up; C2 keeps compiling in the background for a while after the first), then
 * {@code --passes} (default 3) timed prefills, each into a fresh KV cache; the prefill figure is their
 * median (this VM's other tenants move a single 4-second pass by ±20 %; all pass times are printed),
 * and the {@code --decode} steps follow the last pass.
 * Peak resident memory is VmHWM of this process (mapped weight pages count once touched).
 * Usage: {@code LlamaBenchmark [--threads N] [--prompt 300] [--decode 8] [--warmup 1] [--passes 3] [--layers-7b 4] [--bandwidth 20.7]
 * [--tmp DIR] [--python /usr/bin/python3] [--skip-7b] [--skip-torch] [--profile]}; {@code --skip-torch} times the
 * D2048 shape in Java only; {@code --profile} adds the time spent in each backend op, for the warm-up, the prefill and the decode steps apart.
 */
public final class LlamaBenchmark {
    /** A LLaMA shape. */
    record Shape(String name, int hidden, int intermediate, int heads, int layers, int vocab) {
        LlamaConfig config(int layersUsed, int maxPositions) {
            return new LlamaConfig(hidden, intermediate, heads, layersUsed, 1e-6f, vocab, maxPositions, 10000f, 1, 2, 0);
        }

        long layerParams() { return 4L * hidden * hidden + 3L * hidden * intermediate + 2L * hidden; }

        /** Weight bytes one decode step reads: all layers, the final norm and lm_head (one embedding row is negligible). */
        long decodeBytes(int layersUsed, DType dtype) {
            return (layersUsed * layerParams() + hidden + (long) vocab * hidden) * dtype.size;
        }
    }

    static final Shape LLAMA_7B = new Shape("LLaMA-7B", 4096, 11008, 32, 32, 32000);
    static final Shape TORCH_SHAPE = new Shape("D2048-L16", 2048, 5504, 16, 16, 32000);

    /** Seconds for a prefill of {@code prompt} tokens (median of the timed passes) and for {@code decode} steps after it. */
    record Speed(double prefillSeconds, double decodeSeconds, int prompt, int decode) {
        double prefillTokensPerSecond() { return prompt / prefillSeconds; }
        double decodeTokensPerSecond() { return decode / decodeSeconds; }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("LlamaBenchmark: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path tmp = Files.createDirectories(o.tmp);
        try (Backend cpu = Backends.create("cpu", o.threads, 0)) {
            Backend backend = o.profile ? OpClock.wrap(cpu) : cpu;
            System.out.printf("backend: %s; load average %s; %d cores%n", backend.describe(), loadAverage(),
                    Runtime.getRuntime().availableProcessors());
            int threads = o.threads > 0 ? o.threads : Runtime.getRuntime().availableProcessors();
            double read = readBandwidth(threads);
            System.out.printf("read bandwidth (%d threads, each summing 1 GiB, best of 3): %.1f GB/s%n", threads, read);
            if (!o.skip7b) bench7b(o, backend, tmp, read);
            benchAgainstTorch(o, backend, tmp, read);
            System.out.printf("peak resident memory (VmHWM): %.2f GB%n", vmHwmBytes() / 1e9);
        }
    }

    // ------------------------------------------------------------------ the two experiments

    static void bench7b(Options o, Backend backend, Path tmp, double readGbPerSecond) throws IOException {
        Shape s = LLAMA_7B;
        int k = Math.min(o.layers7b, s.layers);
        Path file = tmp.resolve("llama7b-f16-random.safetensors");
        System.out.printf("%n== %s, F16 random weights, %d of %d layers in %s%n", s.name, k, s.layers, file);
        writeRandomWeights(file, s, k, DType.F16, 7);
        try (SafeTensors weights = SafeTensors.open(file)) {
            LlamaModel model = new LlamaModel(s.config(k, 2048), weights, backend);
            LayerClock clock = new LayerClock();
            Speed measured = measure(model, o, clock);
            report(k + " layers measured", measured);
            Speed full = measured;
            if (k < s.layers) {
                System.out.printf("  one layer (median of %d intervals): prefill %.3f s, decode step %.4f s%n",
                        clock.prefill.size() + clock.decode.size(), median(clock.prefill), median(clock.decode));
                int missing = s.layers - k;
                full = new Speed(measured.prefillSeconds + missing * median(clock.prefill),
                        measured.decodeSeconds + o.decode * missing * median(clock.decode), o.prompt, o.decode);
                report("32 layers (extrapolated)", full);
            }
            reportBandwidth(full, s.decodeBytes(s.layers, DType.F16), o.bandwidth, readGbPerSecond);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static void benchAgainstTorch(Options o, Backend backend, Path tmp, double readGbPerSecond) throws IOException, InterruptedException {
        Shape s = TORCH_SHAPE;
        Path file = tmp.resolve("llama-d2048-f32-random.safetensors");
        System.out.printf("%n== %s (hidden %d, %d layers, intermediate %d), F32 random weights%n",
                s.name, s.hidden, s.layers, s.intermediate);
        writeRandomWeights(file, s, s.layers, DType.F32, 11);
        Speed java;
        try (SafeTensors weights = SafeTensors.open(file)) {
            java = measure(new LlamaModel(s.config(s.layers, 2048), weights, backend), o, Probe.NONE);
        } finally {
            Files.deleteIfExists(file);
        }
        report("this implementation", java);
        reportBandwidth(java, s.decodeBytes(s.layers, DType.F32), o.bandwidth, readGbPerSecond);

        if (o.skipTorch) return;
        int threads = o.threads > 0 ? o.threads : Runtime.getRuntime().availableProcessors();
        Map<String, Double> torch = runPython(o, s, threads);
        System.out.printf("  %-28s prefill %7.2f tok/s   decode %6.2f tok/s   (torch %d threads, peak RSS %.2f GB)%n",
                "PyTorch F32", torch.get("prefill_tokens_per_s"), torch.get("decode_tokens_per_s"), threads,
                torch.get("peak_rss_bytes") / 1e9);
        System.out.printf("  %-28s prefill %7.2fx         decode %6.2fx%n", "ratio (ours / PyTorch)",
                java.prefillTokensPerSecond() / torch.get("prefill_tokens_per_s"),
                java.decodeTokensPerSecond() / torch.get("decode_tokens_per_s"));
    }

    // ------------------------------------------------------------------ measuring

    /**
     * {@code --warmup} warm-up passes (each a prefill of the same length and 2 steps: the JIT compiles the
     * prefill's kernels too; PyTorch's script warms up the same way), then {@code --passes} timed prefills of
     * {@code o.prompt} tokens (the median is kept), then {@code o.decode} steps after the last;
     * {@code probe} watches the timed passes.
     */
    static Speed measure(LlamaModel model, Options o, Probe probe) {
        int[] prompt = randomIds(o.prompt, model.config().vocab(), 3);
        float[] logits = null;
        for (int pass = 1; pass <= o.warmups; pass++) {
            KvCache warm = model.newCache(o.prompt + 2);
            long w0 = System.nanoTime();
            logits = model.forward(model.embed(prompt), warm, Probe.NONE);
            System.out.printf("  warm-up prefill %d of %d%s %.2f s%n", pass, o.warmups, pass == 1 ? " (JIT compiling)" : "", (System.nanoTime() - w0) / 1e9);
            for (int n = 0; n < 2; n++) logits = model.forward(model.embed(new int[] {argmax(logits)}), warm, Probe.NONE);
        }
        OpClock.report(model.backend(), "warm-up");
        KvCache cache = null;
        List<Double> passes = new ArrayList<>();
        for (int pass = 0; pass < o.passes; pass++) {
            cache = model.newCache(o.prompt + o.decode);
            long t0 = System.nanoTime();
            logits = model.forward(model.embed(prompt), cache, probe);
            passes.add((System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("  timed prefill passes: %s s (median %.2f)%n",
                String.join(", ", passes.stream().map(t -> String.format("%.2f", t)).toList()), median(passes));
        OpClock.report(model.backend(), "prefill, " + o.passes + (o.passes == 1 ? " pass" : " passes"));
        long t1 = System.nanoTime();
        for (int n = 0; n < o.decode; n++) logits = model.forward(model.embed(new int[] {argmax(logits)}), cache, probe);
        long t2 = System.nanoTime();
        OpClock.report(model.backend(), "decode");
        return new Speed(median(passes), (t2 - t1) / 1e9, o.prompt, o.decode);
    }

    /**
     * A probe that measures layer times: the interval between the outputs of layers j-1 and j
     * (j ≥ 1) is layer j's time, kept apart for prefill passes (T > 1) and decode steps (T = 1).
     */
    static final class LayerClock implements Probe {
        final List<Double> prefill = new ArrayList<>(), decode = new ArrayList<>();
        private long last;

        @Override public void accept(String name, Tensor t) {
            long now = System.nanoTime();
            if (!name.startsWith("prefill.layer.")) return;
            if (!name.equals("prefill.layer.0")) (t.dim(0) > 1 ? prefill : decode).add((now - last) / 1e9);
            last = now;
        }
    }

    /** With {@code --profile}: a backend proxy that adds up the time of each op (kernels are synchronous on the cpu). */
    static final class OpClock implements java.lang.reflect.InvocationHandler {
        private final Backend target;
        private final Map<String, long[]> nanosAndCalls = new java.util.TreeMap<>();

        private OpClock(Backend target) { this.target = target; }

        static Backend wrap(Backend backend) {
            return (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(),
                    new Class<?>[] {Backend.class}, new OpClock(backend));
        }

        @Override public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) throws Throwable {
            long t0 = System.nanoTime();
            try {
                return m.invoke(target, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            } finally {
                long[] acc = nanosAndCalls.computeIfAbsent(m.getName(), k -> new long[2]);
                acc[0] += System.nanoTime() - t0;
                acc[1]++;
            }
        }

        /** Prints and clears the totals since the last report, if {@code backend} is a profiling proxy. */
        static void report(Backend backend, String phase) {
            if (!java.lang.reflect.Proxy.isProxyClass(backend.getClass())) return;
            OpClock clock = (OpClock) java.lang.reflect.Proxy.getInvocationHandler(backend);
            if (clock.nanosAndCalls.isEmpty()) return;
            double total = clock.nanosAndCalls.values().stream().mapToLong(a -> a[0]).sum();
            System.out.println("  time per backend op (" + phase + "):");
            clock.nanosAndCalls.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                    .forEach(e -> System.out.printf("    %-16s %8.2f s %5.1f%% %7d calls%n", e.getKey(), e.getValue()[0] / 1e9,
                            100 * e.getValue()[0] / total, e.getValue()[1]));
            clock.nanosAndCalls.clear();
        }
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static void report(String label, Speed s) {
        System.out.printf("  %-28s prefill %7.2f tok/s (%d tokens in %.2f s)   decode %6.2f tok/s (%d steps in %.2f s)%n",
                label, s.prefillTokensPerSecond(), s.prompt, s.prefillSeconds, s.decodeTokensPerSecond(), s.decode, s.decodeSeconds);
    }

    static void reportBandwidth(Speed s, long bytesPerToken, double gbPerSecond, double readGbPerSecond) {
        double bound = gbPerSecond * 1e9 / bytesPerToken, readBound = readGbPerSecond * 1e9 / bytesPerToken;
        System.out.printf("  decode reads %.2f GB of weights per token (%.1f GB/s); at %.1f GB/s the bound is %.2f tok/s: %.0f%% of it;"
                        + " at the measured read bandwidth (%.1f GB/s) %.2f tok/s: %.0f%%%n",
                bytesPerToken / 1e9, bytesPerToken * s.decodeTokensPerSecond() / 1e9, gbPerSecond, bound,
                100 * s.decodeTokensPerSecond() / bound, readGbPerSecond, readBound, 100 * s.decodeTokensPerSecond() / readBound);
    }

    /**
     * Read-only memory bandwidth: {@code threads} threads each sum 1 GiB of their own (4 KiB pages,
     * Vector API adds, four accumulators); the best of three passes. A decode step only reads its
     * weights, so this is its bound; STREAM's triad (the {@code --bandwidth} figure) also writes.
     */
    static double readBandwidth(int threads) throws InterruptedException {
        long bytes = 1L << 30;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] parts = new MemorySegment[threads];
            for (int t = 0; t < threads; t++) parts[t] = arena.allocate(bytes, 64).fill((byte) 1);
            double best = 0;
            float[] sums = new float[threads];
            for (int pass = 0; pass < 3; pass++) {
                Thread[] workers = new Thread[threads];
                long t0 = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    workers[t] = Thread.ofPlatform().start(() -> sums[id] = sum(parts[id]));
                }
                for (Thread w : workers) w.join();
                best = Math.max(best, threads * bytes / ((System.nanoTime() - t0) / 1e9) / 1e9);
            }
            return best;
        }
    }

    private static float sum(MemorySegment m) {
        VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
        long step = species.vectorByteSize();
        FloatVector a0 = FloatVector.zero(species), a1 = a0, a2 = a0, a3 = a0;
        for (long o = 0; o + 4 * step <= m.byteSize(); o += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(species, m, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(species, m, o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(species, m, o + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(species, m, o + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    static Map<String, Double> runPython(Options o, Shape s, int threads) throws IOException, InterruptedException {
        Path script = Path.of(o.script);
        List<String> cmd = List.of(o.python, script.toString(), "--hidden", "" + s.hidden, "--intermediate", "" + s.intermediate,
                "--heads", "" + s.heads, "--layers", "" + s.layers, "--vocab", "" + s.vocab,
                "--prompt", "" + o.prompt, "--decode", "" + o.decode, "--warmup", "" + o.warmups, "--passes", "" + o.passes, "--threads", "" + threads);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) throw new IllegalStateException("PyTorch baseline failed: " + String.join(" ", cmd));
        Map<String, Double> values = new java.util.HashMap<>();
        Matcher m = Pattern.compile("\"(\\w+)\": ([0-9.eE+-]+)").matcher(out);
        while (m.find()) values.put(m.group(1), Double.parseDouble(m.group(2)));
        return values;
    }

    // ------------------------------------------------------------------ random checkpoint

    /**
     * Streams a LLaMA checkpoint with {@code layers} layers of random weights into {@code file}:
     * linear weights uniform with variance 1/fan_in, norms 1, embeddings uniform in [-1, 1).
     */
    static void writeRandomWeights(Path file, Shape s, int layers, DType dtype, long seed) {
        long t0 = System.nanoTime();
        int d = s.hidden, i = s.intermediate;
        List<SafeTensorsWriter.Entry> plan = new ArrayList<>();
        plan.add(new SafeTensorsWriter.Entry("model.embed_tokens.weight", dtype, new int[] {s.vocab, d}));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            for (String n : List.of("q", "k", "v", "o")) plan.add(new SafeTensorsWriter.Entry(p + "self_attn." + n + "_proj.weight", dtype, new int[] {d, d}));
            plan.add(new SafeTensorsWriter.Entry(p + "mlp.gate_proj.weight", dtype, new int[] {i, d}));
            plan.add(new SafeTensorsWriter.Entry(p + "mlp.up_proj.weight", dtype, new int[] {i, d}));
            plan.add(new SafeTensorsWriter.Entry(p + "mlp.down_proj.weight", dtype, new int[] {d, i}));
            plan.add(new SafeTensorsWriter.Entry(p + "input_layernorm.weight", dtype, new int[] {d}));
            plan.add(new SafeTensorsWriter.Entry(p + "post_attention_layernorm.weight", dtype, new int[] {d}));
        }
        plan.add(new SafeTensorsWriter.Entry("model.norm.weight", dtype, new int[] {d}));
        plan.add(new SafeTensorsWriter.Entry("lm_head.weight", dtype, new int[] {s.vocab, d}));

        SplittableRandom random = new SplittableRandom(seed);
        long bytes = 0;
        try (SafeTensorsWriter w = SafeTensorsWriter.create(file, plan, Map.of("format", "pt"))) {
            for (SafeTensorsWriter.Entry e : plan) {
                int[] shape = e.shape();
                float scale = shape.length == 1 ? 0f : e.name().startsWith("model.embed") ? 1f : (float) Math.sqrt(3.0 / shape[1]);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = arena.allocate(e.byteSize(), 64);
                    fillUniform(data, dtype, scale, random.split());
                    w.write(e.name(), data);
                }
                bytes += e.byteSize();
            }
        }
        System.out.printf("  wrote %.2f GB of random %s weights in %.1f s%n", bytes / 1e9, dtype, (System.nanoTime() - t0) / 1e9);
    }

    /** Uniform values in [-scale, scale) ({@code scale} 0 → all ones, for norm weights), written a block at a time. */
    static void fillUniform(MemorySegment data, DType dtype, float scale, SplittableRandom random) {
        long n = data.byteSize() / dtype.size;
        float[] block = new float[1 << 16];
        short[] halves = new short[block.length];
        for (long e0 = 0; e0 < n; e0 += block.length) {
            int len = (int) Math.min(block.length, n - e0);
            for (int i = 0; i < len; i++) block[i] = scale == 0f ? 1f : (random.nextFloat() * 2f - 1f) * scale;
            if (dtype == DType.F16) {
                for (int i = 0; i < len; i++) halves[i] = HalfFloats.f32ToF16(block[i]);
                MemorySegment.copy(halves, 0, data, I16, e0 * 2, len);
            } else {
                MemorySegment.copy(block, 0, data, F32, e0 * 4, len);
            }
        }
    }

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // ------------------------------------------------------------------ helpers

    static int[] randomIds(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int t = 0; t < n; t++) ids[t] = r.nextInt(3, vocab);
        return ids;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** VmHWM (peak resident set) of this process, in bytes; 0 where /proc is unavailable. */
    static long vmHwmBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Command-line flags. */
    /** {@code args[at]} as the whole-number value of option {@code name}. */
    static int intValue(String[] args, int at, String name) {
        if (at >= args.length) throw new IllegalArgumentException(name + " needs a value");
        try {
            return Integer.parseInt(args[at]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got \"" + args[at] + "\"");
        }
    }

    record Options(int threads, int prompt, int decode, int warmups, int passes, int layers7b, double bandwidth, Path tmp,
                   String python, String script, boolean skip7b, boolean skipTorch, boolean profile) {
        static Options parse(String[] args) {
            int threads = 0, prompt = 300, decode = 8, warmups = 1, passes = 3, layers7b = 4;
            double bandwidth = 20.7;
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "gpt4roi-llama-bench");
            String python = "/usr/bin/python3", script = "benchmarks/python/llama_bench.py";
            boolean skip7b = false, skipTorch = false, profile = false;
            for (int a = 0; a < args.length; a++) {
                switch (args[a]) {
                    case "--threads" -> threads = intValue(args, ++a, "--threads");
                    case "--prompt" -> prompt = intValue(args, ++a, "--prompt");
                    case "--decode" -> decode = intValue(args, ++a, "--decode");
                    case "--warmup" -> warmups = intValue(args, ++a, "--warmup");
                    case "--passes" -> passes = intValue(args, ++a, "--passes");
                    case "--layers-7b" -> layers7b = intValue(args, ++a, "--layers-7b");
                    case "--bandwidth" -> bandwidth = Double.parseDouble(args[++a]);
                    case "--tmp" -> tmp = Path.of(args[++a]);
                    case "--python" -> python = args[++a];
                    case "--script" -> script = args[++a];
                    case "--skip-7b" -> skip7b = true;
                    case "--skip-torch" -> skipTorch = true;
                    case "--profile" -> profile = true;
                    default -> throw new IllegalArgumentException("unknown option " + args[a]
                            + "; see the Javadoc of LlamaBenchmark for the options");
                }
            }
            if (prompt < 1 || decode < 0) throw new IllegalArgumentException("--prompt must be at least 1 and --decode at least 0");
            if (warmups < 1) throw new IllegalArgumentException("--warmup must be at least 1");
            if (passes < 1) throw new IllegalArgumentException("--passes must be at least 1");
            if (layers7b < 3) throw new IllegalArgumentException("--layers-7b must be at least 3 (two layer intervals are timed)");
            Locale.setDefault(Locale.ROOT);
            return new Options(threads, prompt, decode, warmups, passes, layers7b, bandwidth, tmp, python, script, skip7b, skipTorch, profile);
        }
    }
}
