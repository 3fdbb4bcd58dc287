package org.gpt4roi.convert;

import java.io.PrintWriter;
import java.util.Locale;

/** Progress of a long copy on stderr: a line at most every two seconds, and one at the end. */
final class Progress {
    private static final long INTERVAL_NS = 2_000_000_000L;
    private final PrintWriter out;
    private final long total;
    private final long started = System.nanoTime();
    private long done, lastPrint = started;

    Progress(PrintWriter out, long totalBytes) {
        this.out = out;
        this.total = totalBytes;
    }

    /** {@code bytes} more were written, the last of them for {@code name}. */
    void advance(String name, long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (now - lastPrint < INTERVAL_NS && done < total) return;
        lastPrint = now;
        double seconds = (now - started) / 1e9;
        out.printf(Locale.ROOT, "  [%3d%%] %s of %s, %.0f s  %s%n", total == 0 ? 100 : (int) (100 * done / total),
                ByteSize.format(done), ByteSize.format(total), seconds, name);
    }
}
