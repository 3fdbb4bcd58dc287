package org.gpt4roi.tensor;

/**
 * Where a tensor's bytes live. The cpu backend and the loaders use {@link HostStorage}
 * (heap or memory-mapped {@code MemorySegment}); a device backend defines its own kind
 * (an OpenCL buffer, say). Model code never looks inside.
 */
public interface Storage {
    /** Size in bytes. */
    long byteSize();
}
