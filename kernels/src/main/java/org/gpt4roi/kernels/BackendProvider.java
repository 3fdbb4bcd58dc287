package org.gpt4roi.kernels;

/**
 * A kind of backend, found with {@link java.util.ServiceLoader}; a new backend (TornadoVM, CUDA)
 * is one more module that provides this service.
 */
public interface BackendProvider {
    /** The name users type after {@code --backend}. */
    String name();

    /** Starts a backend on device {@code device} (ignored by cpu) with {@code threads} host threads (0 = all cores). */
    Backend create(int threads, int device);
}
