package org.gpt4roi.tensor;

import java.lang.foreign.MemorySegment;

/** Bytes in host memory: an off-heap, heap-backed or memory-mapped segment. */
public record HostStorage(MemorySegment segment) implements Storage {
    @Override public long byteSize() { return segment.byteSize(); }
}
