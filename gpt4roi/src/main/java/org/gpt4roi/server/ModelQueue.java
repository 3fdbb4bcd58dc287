package org.gpt4roi.server;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model, one forward at a time: chat work runs on a single model thread in arrival order.
 * Admission is bounded: at most {@code maxPending} requests hold a ticket (reading their body,
 * waiting, or running); one more is refused at once with a 503 and a Retry-After, so neither
 * memory nor waiting time grows with the number of clients.
 */
final class ModelQueue implements AutoCloseable {
    private final int maxPending;
    private final Semaphore tickets;
    private final AtomicInteger running = new AtomicInteger();
    private final ExecutorService modelThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gpt4roi-model");
        t.setDaemon(true);
        return t;
    });

    ModelQueue(int maxPending) {
        this.maxPending = maxPending;
        this.tickets = new Semaphore(maxPending, true);
    }

    /** A place in the queue; closing it gives the place back. */
    final class Ticket implements AutoCloseable {
        private boolean closed;

        @Override public void close() {
            if (!closed) { closed = true; tickets.release(); }
        }
    }

    /** Takes a place or throws a 503 saying the server is full. */
    Ticket admit() {
        if (!tickets.tryAcquire())
            throw ApiException.busy("the server is busy: " + maxPending + " requests are already queued for the model; "
                    + "retry in a moment");
        return new Ticket();
    }

    /** Runs {@code work} on the model thread after the work queued before it. */
    <T> Future<T> submit(Callable<T> work) {
        return modelThread.submit(() -> {
            running.incrementAndGet();
            try { return work.call(); }
            finally { running.decrementAndGet(); }
        });
    }

    /** Requests holding a place: running, waiting for the model, or still sending their body. */
    int pending() { return maxPending - tickets.availablePermits(); }

    int running() { return running.get(); }

    int capacity() { return maxPending; }

    @Override public void close() {
        modelThread.shutdownNow();
        try { modelThread.awaitTermination(10, TimeUnit.SECONDS); }
        catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    }
}
