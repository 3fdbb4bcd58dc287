package org.gpt4roi.kernels.opencl;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gpt4roi.tensor.Storage;

/**
 * A tensor's bytes in an OpenCL buffer. Released when it becomes unreachable (a {@link Cleaner}),
 * when {@link #release()} is called, or when its backend closes, whichever comes first. OpenCL
 * keeps a released buffer alive until the commands already queued on it have run.
 */
final class ClBuffer implements Storage {
    private final Native state;
    private final Cleaner.Cleanable cleanable;

    ClBuffer(Native state, Cleaner cleaner) {
        this.state = state;
        this.cleanable = cleaner.register(this, state);
    }

    @Override public long byteSize() { return state.bytes; }

    /** The cl_mem handle; fails once released. */
    MemorySegment mem() {
        if (state.released.get())
            throw new IllegalStateException("an opencl tensor was used after its backend was closed or its buffer released");
        return state.mem;
    }

    /** Releases the buffer now (idempotent). */
    void release() { cleanable.clean(); }

    /**
     * The native side: released once, by the Cleaner, {@link #release()} or the backend's close
     * (whichever runs first; the others do nothing). It must not refer to the ClBuffer.
     */
    static final class Native implements Runnable {
        final MemorySegment mem;
        final long bytes;
        private final Runnable onRelease;
        private final AtomicBoolean released = new AtomicBoolean();

        Native(MemorySegment mem, long bytes, Runnable onRelease) {
            this.mem = mem;
            this.bytes = bytes;
            this.onRelease = onRelease;
        }

        @Override public void run() {
            if (released.compareAndSet(false, true)) onRelease.run();
        }
    }
}
