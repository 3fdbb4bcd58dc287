package org.gpt4roi.kernels.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.gpt4roi.tensor.DeviceMemoryException;

/**
 * The buffers of one backend: allocates them against the device's memory (waiting once for the
 * garbage collector to free unreachable tensors before giving up) and releases every one still
 * alive on {@link #close()}.
 */
final class ClMemory implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int ATTEMPTS = 4;

    private final ClRuntime rt;
    private final Map<Long, ClBuffer.Native> live = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    ClMemory(ClRuntime rt) { this.rt = rt; }

    /** A new buffer of {@code bytes}; with {@code hostData} (native or heap) its contents are copied in now. */
    ClBuffer allocate(long bytes, MemorySegment hostData) {
        long size = Math.max(bytes, 4);
        OpenClDevice d = rt.device;
        if (size > d.maxAllocation())
            throw new DeviceMemoryException("a tensor of " + ClRuntime.mib(size) + " is larger than the " + ClRuntime.mib(d.maxAllocation())
                    + " that " + d.name() + " allows in one buffer; use a smaller input or --backend cpu");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = hostData == null || bytes == 0 ? null      // never copy more bytes than given
                    : hostData.isNative() ? hostData : a.allocate(bytes, 16).copyFrom(hostData);
            for (int attempt = 1; ; attempt++) {
                if (rt.reserve(size)) {
                    try {
                        return track(rt.cl.createBuffer(rt.context, size, host), size);
                    } catch (OpenClException e) {
                        rt.unreserve(size);
                        if (!ClErrors.isOutOfMemory(e.status())) throw e;
                    }
                }
                if (attempt == ATTEMPTS)
                    throw new DeviceMemoryException("out of device memory on " + d.name() + ": a tensor of " + ClRuntime.mib(size)
                            + " was needed but only " + ClRuntime.mib(Math.max(0, d.globalMemory() - rt.allocated())) + " of "
                            + ClRuntime.mib(d.globalMemory()) + " are available (" + ClRuntime.mib(rt.allocated())
                            + " in use by this process); use fewer tokens, a smaller model or --backend cpu");
                awaitCollection(attempt);
            }
        }
    }

    private ClBuffer track(MemorySegment mem, long size) {
        long id = ids.incrementAndGet();
        ClBuffer.Native state = new ClBuffer.Native(mem, size, () -> {
            live.remove(id);
            rt.cl.releaseMemObject(mem);
            rt.unreserve(size);
        });
        live.put(id, state);   // the state, not the buffer: the buffer must be able to become unreachable
        return new ClBuffer(state, CLEANER);
    }

    /** Unreachable tensors hold device memory the Java heap does not see: collect, then give the Cleaner time. */
    private static void awaitCollection(int attempt) {
        System.gc();
        try { Thread.sleep(50L * attempt); }
        catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    }

    /** Bytes held by this backend's live buffers. */
    long liveBytes() {
        long sum = 0;
        for (ClBuffer.Native b : live.values()) sum += b.bytes;
        return sum;
    }

    @Override public void close() {
        for (ClBuffer.Native b : live.values()) b.run();
    }
}
