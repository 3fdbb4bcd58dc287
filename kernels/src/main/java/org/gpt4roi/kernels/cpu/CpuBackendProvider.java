package org.gpt4roi.kernels.cpu;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.BackendProvider;

/** Registers the cpu backend under the name "cpu". */
public final class CpuBackendProvider implements BackendProvider {
    @Override public String name() { return "cpu"; }
    @Override public Backend create(int threads, int device) { return new CpuBackend(threads); }
}
