package org.gpt4roi.kernels.opencl;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.BackendProvider;

/** Registers {@link OpenClBackend} as backend "opencl" (ServiceLoader). */
public final class OpenClBackendProvider implements BackendProvider {
    @Override public String name() { return "opencl"; }

    /** {@code threads} is unused: the device runs the work. */
    @Override public Backend create(int threads, int device) { return new OpenClBackend(device); }
}
