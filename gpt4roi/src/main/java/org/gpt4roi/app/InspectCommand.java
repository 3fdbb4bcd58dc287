package org.gpt4roi.app;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.gpt4roi.convert.ByteSize;
import org.gpt4roi.convert.Checkpoint;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gpt4roi inspect}: the tensors of a safetensors or PyTorch checkpoint, and their totals. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List the tensors of a safetensors or PyTorch checkpoint (file, sharded index, or directory):"
                + " name, dtype, shape, bytes; then totals per dtype. Nothing pickled is executed.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE|DIR", description = "A .safetensors/.bin/.pt file, a *.index.json, or a directory holding one.")
    Path path;

    @Option(names = "--match", paramLabel = "REGEX", description = "Only tensors whose name contains a match.")
    Pattern match;

    @Spec CommandSpec spec;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Checkpoint ckpt = Checkpoint.open(path)) {
            int width = ckpt.names().stream().mapToInt(String::length).max().orElse(4);
            out.println(ckpt.source());
            out.printf(Locale.ROOT, "%-" + width + "s  %-5s  %-20s  %10s%n", "name", "dtype", "shape", "bytes");
            Map<DType, long[]> totals = new TreeMap<>();   // dtype → {tensors, elements, bytes}
            for (String name : ckpt.names()) {
                if (match != null && !match.matcher(name).find()) continue;
                Tensor t = ckpt.get(name);
                long bytes = t.numel() * t.dtype().size;
                out.printf(Locale.ROOT, "%-" + width + "s  %-5s  %-20s  %10s%s%n", name, t.dtype(), Arrays.toString(t.shape()),
                        ByteSize.format(bytes), t.isContiguous() ? "" : "  (strided view)");
                long[] sum = totals.computeIfAbsent(t.dtype(), d -> new long[3]);
                sum[0]++;
                sum[1] += t.numel();
                sum[2] += bytes;
            }
            long[] all = new long[3];
            StringBuilder perType = new StringBuilder();
            totals.forEach((dtype, sum) -> {
                for (int i = 0; i < 3; i++) all[i] += sum[i];
                perType.append(String.format(Locale.ROOT, "  %s: %d tensors, %s%n", dtype, sum[0], ByteSize.format(sum[2])));
            });
            out.printf(Locale.ROOT, "%d tensors, %s parameters, %s%n%s", all[0], count(all[1]), ByteSize.format(all[2]), perType);
        }
        out.flush();
        return 0;
    }

    private static String count(long n) {
        if (n >= 1_000_000_000) return String.format(Locale.ROOT, "%.2f B", n / 1e9);
        if (n >= 1_000_000) return String.format(Locale.ROOT, "%.1f M", n / 1e6);
        return Long.toString(n);
    }
}
