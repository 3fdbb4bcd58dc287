package org.gpt4roi.kernels.cpu;

import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.Supplier;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Storage;
import org.gpt4roi.tensor.Tensor;

/**
 * The Winograd-transformed filters of the last few memory-mapped 3×3 weights. A region-module fuse
 * round applies one weight to all four pyramid levels, and every box query applies the same four
 * {@code pconvs}: transforming each filter bank once instead of per call saves ≈ 90 ms per
 * 1024→1024 convolution on 14×14. Only weights in mapped files are kept (read-only model weights);
 * an entry matches only the same {@link Storage} object (held weakly), offset, dtype and transform,
 * so a freed and remapped file can never hit a stale entry. Bounded by bytes, least recently used out.
 */
final class FilterCache {
    private FilterCache() {}

    private record Entry(WeakReference<Storage> storage, long offset, int[] shape, DType dtype, int m, float[] u) {
        boolean matches(Tensor w, int m) {
            return storage.get() == w.storage() && offset == w.offset() && this.m == m && dtype == w.dtype()
                    && java.util.Arrays.equals(shape, w.shape());
        }
    }

    private static final long LIMIT = Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4);
    private static final Deque<Entry> ENTRIES = new ArrayDeque<>();       // most recently used first
    private static long bytes;

    /** The transformed filters of {@code w} for transform size {@code m}, computed by {@code transform} when not cached. */
    static synchronized float[] get(Tensor w, int m, Supplier<float[]> transform) {
        boolean cacheable = w.segment().isMapped();
        if (cacheable)
            for (Iterator<Entry> it = ENTRIES.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.matches(w, m)) {
                    it.remove();
                    ENTRIES.addFirst(e);
                    return e.u();
                }
            }
        float[] u = transform.get();
        if (cacheable && 4L * u.length <= LIMIT) {
            ENTRIES.addFirst(new Entry(new WeakReference<>(w.storage()), w.offset(), w.shape(), w.dtype(), m, u));
            bytes += 4L * u.length;
            while (bytes > LIMIT) bytes -= 4L * ENTRIES.removeLast().u().length;
        }
        return u;
    }
}
