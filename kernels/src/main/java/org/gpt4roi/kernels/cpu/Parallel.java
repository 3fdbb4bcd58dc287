package org.gpt4roi.kernels.cpu;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed pool of worker threads and a static split of index ranges over them: the same
 * {@code n} and thread count always give the same chunks, so results are reproducible.
 */
public final class Parallel implements AutoCloseable {
    /** Body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface Range { void run(int start, int end); }

    private final int threads;
    private final ExecutorService pool;

    public Parallel(int threads) {
        this.threads = threads <= 0 ? Runtime.getRuntime().availableProcessors() : threads;
        this.pool = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "gpt4roi-cpu");
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() { return threads; }

    /** Runs {@code body} over {@code [0, n)} split into at most {@code threads} contiguous chunks. */
    public void forRange(int n, Range body) { forRange(n, 1, body); }

    /**
     * Like {@link #forRange(int, Range)}, with chunk boundaries on multiples of {@code grain}
     * (except the end) and no split finer than one grain.
     */
    public void forRange(int n, int grain, Range body) {
        if (n <= 0) return;
        int blocks = (n + grain - 1) / grain;
        int parts = Math.min(threads, blocks);
        if (parts <= 1 || pool == null) { body.run(0, n); return; }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int s = Math.min(n, (int) ((long) blocks * p / parts) * grain);
            int e = Math.min(n, (int) ((long) blocks * (p + 1) / parts) * grain);
            futures.add(pool.submit(() -> body.run(s, e)));
        }
        body.run(0, Math.min(n, (int) ((long) blocks / parts) * grain));
        for (Future<?> f : futures) {
            try { f.get(); }
            catch (InterruptedException ex) { Thread.currentThread().interrupt(); throw new IllegalStateException(ex); }
            catch (java.util.concurrent.ExecutionException ex) {
                if (ex.getCause() instanceof RuntimeException re) throw re;
                if (ex.getCause() instanceof Error er) throw er;
                throw new IllegalStateException(ex.getCause());
            }
        }
    }

    @Override public void close() { if (pool != null) pool.shutdownNow(); }
}
