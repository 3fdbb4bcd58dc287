package org.gpt4roi.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Wall-clock time of named stages (image, vision, regions, prefill, decode), in insertion order. */
public final class StageTimer {
    private final Map<String, Long> nanos = new LinkedHashMap<>();

    /** Runs {@code work} and adds its duration to {@code stage}. */
    public <T> T time(String stage, Supplier<T> work) {
        long t0 = System.nanoTime();
        try { return work.get(); }
        finally { add(stage, System.nanoTime() - t0); }
    }

    public void add(String stage, long ns) { nanos.merge(stage, ns, Long::sum); }

    public double seconds(String stage) { return nanos.getOrDefault(stage, 0L) / 1e9; }

    public Map<String, Long> nanos() { return Map.copyOf(nanos); }

    /** "image 0.031 s · vision 0.512 s · ..." */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        nanos.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " · ").append(k).append(' ')
                .append(String.format("%.3f s", v / 1e9)));
        return sb.toString();
    }
}
