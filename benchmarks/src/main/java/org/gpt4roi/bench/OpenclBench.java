package org.gpt4roi.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.kernels.opencl.OpenClBackend;

/**
 * Times {@link OpenclBenchCases} on the opencl backend beside the cpu backend and prints a Markdown
 * table: milliseconds per call, GFLOP/s, GB/s (the least bytes the case must move, over the time)
 * and, given the device's peaks, the share of the peak that bounds the case (bandwidth when its
 * FLOP per byte is below the device's balance point, arithmetic otherwise). The opencl time of a
 * call includes waiting for the queue (clFinish) after a batch of calls.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp 'lib/*' org.gpt4roi.bench.OpenclBench \
 *     [--backends opencl,cpu] [--device 0] [--threads 0] [--prompt 300] [--seconds 1]
 *     [--peak-gflops 67000 --peak-gbs 4800] [--only substring] [--out results.md]
 * </pre>
 */
public final class OpenclBench {
    private OpenclBench() {}

    private static final int BATCHES = 3;

    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);
        if (o.out != null) Files.deleteIfExists(o.out);
        for (String name : o.backends) {
            try (Backend b = Backends.create(name, o.threads, o.device)) { emit(o, "- " + b.describe()); }
        }
        emit(o, "");
        emit(o, "| case | backend | ms/call | GFLOP/s | GB/s | of peak |");
        emit(o, "|---|---|---:|---:|---:|---:|");
        for (Supplier<OpenclBenchCases.Case> make : OpenclBenchCases.all(o.prompt)) {
            OpenclBenchCases.Case c = make.get();
            if (o.only != null && !c.name().contains(o.only)) continue;
            for (String name : o.backends) emit(o, row(c, name, o));
        }
    }

    /** Prints a line and appends it to the --out file at once (a run cut short keeps its rows). */
    private static void emit(Options o, String line) throws IOException {
        System.out.println(line);
        if (o.out != null)
            Files.writeString(o.out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** One table row: the case timed on a fresh backend (closed afterwards, freeing its device memory). */
    private static String row(OpenclBenchCases.Case c, String backend, Options o) {
        try (Backend b = Backends.create(backend, o.threads, o.device)) {
            double seconds = time(b, c.prepare().apply(b), o.seconds);
            double gflops = c.flops() / seconds / 1e9, gbs = c.bytes() / seconds / 1e9;
            String peak = "";
            if (backend.equals("opencl") && o.peakGflops > 0 && o.peakGbs > 0) {
                boolean memoryBound = c.flops() / c.bytes() < o.peakGflops / o.peakGbs;
                peak = memoryBound ? String.format("%.0f%% BW", 100 * gbs / o.peakGbs) : String.format("%.0f%% FLOP", 100 * gflops / o.peakGflops);
            }
            return String.format("| %s | %s | %.3f | %.1f | %.1f | %s |", c.name(), backend, seconds * 1e3, gflops, gbs, peak);
        } catch (RuntimeException e) {
            return "| " + c.name() + " | " + backend + " | failed: " + e.getMessage().replace('\n', ' ').replace('|', '/') + " | | | |";
        } finally {
            System.gc();
        }
    }

    /**
     * Seconds per call: warm-up calls (at least 3 and a fifth of {@code budget}: kernels compile, the
     * JIT compiles the cpu loops), then the median of {@value #BATCHES} batches filling {@code budget}.
     */
    static double time(Backend b, Runnable op, double budget) {
        long warmStart = System.nanoTime();
        for (int i = 0; i < 20 && (i < 3 || System.nanoTime() - warmStart < budget / 5 * 1e9); i++) {
            op.run();
            sync(b);
        }
        long t0 = System.nanoTime();
        op.run();
        sync(b);
        double single = (System.nanoTime() - t0) / 1e9;
        int reps = (int) Math.max(1, Math.min(2000, budget / BATCHES / Math.max(single, 1e-7)));
        double[] perCall = new double[BATCHES];
        for (int i = 0; i < BATCHES; i++) {
            long start = System.nanoTime();
            for (int r = 0; r < reps; r++) op.run();
            sync(b);
            perCall[i] = (System.nanoTime() - start) / 1e9 / reps;
        }
        Arrays.sort(perCall);
        return perCall[BATCHES / 2];
    }

    /** Waits for queued device work (cpu ops are synchronous). */
    static void sync(Backend b) {
        if (b instanceof OpenClBackend o) o.finish();
    }

    private record Options(List<String> backends, int device, int threads, int prompt, double seconds,
                           double peakGflops, double peakGbs, String only, Path out) {
        static Options parse(String[] args) {
            List<String> backends = List.of("opencl", "cpu");
            int device = 0, threads = 0, prompt = 300;
            double seconds = 1, peakGflops = 0, peakGbs = 0;
            String only = null;
            Path out = null;
            for (int i = 0; i < args.length; i++) {
                String v = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--backends" -> backends = List.of(v.split(","));
                    case "--device" -> device = Integer.parseInt(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--prompt" -> prompt = Integer.parseInt(v);
                    case "--seconds" -> seconds = Double.parseDouble(v);
                    case "--peak-gflops" -> peakGflops = Double.parseDouble(v);
                    case "--peak-gbs" -> peakGbs = Double.parseDouble(v);
                    case "--only" -> only = v;
                    case "--out" -> out = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "; see the class comment");
                }
                i++;
            }
            return new Options(backends, device, threads, prompt, seconds, peakGflops, peakGbs, only, out);
        }
    }
}
