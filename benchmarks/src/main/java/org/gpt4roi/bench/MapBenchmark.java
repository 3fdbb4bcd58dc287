package org.gpt4roi.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.gpt4roi.weights.SafeTensorsWriter;

/**
 * Stage benchmark of the weights loader: writes a large safetensors file with the streaming writer,
 * maps it, sums every tensor through the loader, and prints heap and resident memory before and after.
 * The heap must stay flat (the tensors are views on the mapping); the resident set grows only by
 * file-backed pages the kernel may drop again.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx256m -cp ... org.gpt4roi.bench.MapBenchmark [GiB=4] [dir=/tmp]
 * </pre>
 * The file is one tensor of half the size (over 2 GiB for the default, beyond a ByteBuffer's reach)
 * and 64 MiB tensors for the rest, each row {@code [4096]} F32; it is deleted at the end.
 */
public final class MapBenchmark {
    private static final int COLUMNS = 4096;                  // F32 row of 16 KiB
    private static final int CHUNK_ROWS = 4096;               // 64 MiB tensors
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private MapBenchmark() {}

    public static void main(String[] args) throws IOException {
        long gib = args.length > 0 ? Long.parseLong(args[0]) : 4;
        Path dir = Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir"));
        List<SafeTensorsWriter.Entry> plan = plan(gib << 30);
        Path file = Files.createTempFile(dir, "map-benchmark-", ".safetensors");
        try {
            Memory start = Memory.now();
            long t0 = System.nanoTime();
            write(file, plan);
            double writeSeconds = seconds(t0);
            long size = Files.size(file);
            System.out.printf("wrote   %s: %.2f GiB, %d tensors (largest %.2f GiB) in %.1f s (%.0f MiB/s)%n", file,
                    size / (double) (1L << 30), plan.size(), plan.getFirst().byteSize() / (double) (1L << 30),
                    writeSeconds, size / writeSeconds / (1 << 20));
            Memory beforeOpen = Memory.now();

            long t1 = System.nanoTime();
            try (SafeTensors st = SafeTensors.open(file)) {
                double openMillis = seconds(t1) * 1e3;
                Memory opened = Memory.now();
                long t2 = System.nanoTime();
                double total = 0;
                for (int i = 0; i < plan.size(); i++) {
                    SafeTensorsWriter.Entry e = plan.get(i);
                    double sum = sum(st.get(e.name(), e.shape()));
                    double expected = (double) e.shape()[0] * rowSum(i);
                    if (sum != expected)
                        throw new AssertionError(e.name() + ": sum " + sum + ", expected " + expected);
                    total += sum;
                }
                double sumSeconds = seconds(t2);
                Memory touched = Memory.now();
                System.out.printf("open    %.1f ms (header parse + validation + mmap)%n", openMillis);
                System.out.printf("sum     all tensors via the loader in %.1f s (%.0f MiB/s), total %.6g, checked per tensor%n",
                        sumSeconds, size / sumSeconds / (1 << 20), total);
                System.out.println("memory  " + Memory.HEADER);
                System.out.println("        start            " + start);
                System.out.println("        after write      " + beforeOpen);
                System.out.println("        after open       " + opened);
                System.out.println("        after sum        " + touched);
                System.out.printf("heap growth open+sum: %.1f MiB (live heap after GC)%n",
                        (touched.heapUsed - beforeOpen.heapUsed) / (double) (1 << 20));
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** One tensor of half the total (rounded to rows), then 64 MiB tensors until the total is reached. */
    private static List<SafeTensorsWriter.Entry> plan(long totalBytes) {
        long rowBytes = COLUMNS * 4L;
        List<SafeTensorsWriter.Entry> plan = new ArrayList<>();
        int bigRows = Math.toIntExact(totalBytes / 2 / rowBytes);
        plan.add(new SafeTensorsWriter.Entry("big", DType.F32, new int[] {bigRows, COLUMNS}));
        long rest = totalBytes - bigRows * rowBytes;
        for (int i = 0; rest > 0; i++) {
            int rows = (int) Math.min(CHUNK_ROWS, rest / rowBytes);
            plan.add(new SafeTensorsWriter.Entry("layer." + i, DType.F32, new int[] {rows, COLUMNS}));
            rest -= rows * rowBytes;
        }
        return plan;
    }

    /** Writes each tensor as one 16 KiB row broadcast over its rows (stride 0), streamed by the writer. */
    private static void write(Path file, List<SafeTensorsWriter.Entry> plan) {
        try (SafeTensorsWriter w = SafeTensorsWriter.create(file, plan, Map.of("format", "pt", "source", "MapBenchmark"))) {
            for (int i = 0; i < plan.size(); i++) {
                Tensor row = Tensor.ofFloats(row(i), COLUMNS);
                int[] shape = plan.get(i).shape();
                w.write(plan.get(i).name(), new Tensor(DType.F32, shape, new long[] {0, 1}, 0, row.storage()));
            }
        }
    }

    /** Row of tensor i: small multiples of 0.5, so every sum below is exact in double. */
    private static float[] row(int i) {
        float[] r = new float[COLUMNS];
        for (int j = 0; j < COLUMNS; j++) r[j] = (j % 7) * 0.5f + i;
        return r;
    }

    private static double rowSum(int i) {
        double s = 0;
        for (float v : row(i)) s += v;
        return s;
    }

    /** Sums a mapped tensor straight from its segment (no heap copy), touching every page. */
    private static double sum(Tensor t) {
        MemorySegment s = ((HostStorage) t.storage()).segment();
        long n = t.numel();
        double total = 0;
        for (long row = 0; row < n; row += COLUMNS) {
            float partial = 0;                                  // exact: at most 4096 multiples of 0.5 below 2^24
            for (int j = 0; j < COLUMNS; j++) partial += s.getAtIndex(F32, row + j);
            total += partial;
        }
        return total;
    }

    private static double seconds(long startNanos) { return (System.nanoTime() - startNanos) / 1e9; }

    /** Live heap (after a GC) and the resident set from /proc/self/status, in MiB. */
    private record Memory(long heapUsed, long rssKb, long rssAnonKb, long rssFileKb) {
        static final String HEADER = "heap MiB   VmRSS MiB  RssAnon MiB  RssFile MiB";

        static Memory now() {
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long rss = -1, anon = -1, fileBacked = -1;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) rss = kb(line);
                    else if (line.startsWith("RssAnon:")) anon = kb(line);
                    else if (line.startsWith("RssFile:")) fileBacked = kb(line);
                }
            } catch (IOException e) {
                // not Linux: the heap figure still stands
            }
            return new Memory(heap, rss, anon, fileBacked);
        }

        private static long kb(String line) { return Long.parseLong(line.replaceAll("[^0-9]", "")); }

        @Override public String toString() {
            return String.format("%8.1f %11.1f %12.1f %12.1f", heapUsed / 1048576.0, rssKb / 1024.0, rssAnonKb / 1024.0,
                    rssFileKb / 1024.0);
        }
    }
}
