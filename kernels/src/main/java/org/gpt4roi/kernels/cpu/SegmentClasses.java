package org.gpt4roi.kernels.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Loads every {@link MemorySegment} implementation class before any kernel is compiled. C2 compiles
 * segment accesses against the implementation classes loaded so far (class-hierarchy analysis); the
 * first segment of a new kind (say the first {@code float[]} view, made by the first decode step) then
 * throws away every compiled kernel that touched segments: the GEMM, the norms, the attention. Seen
 * with {@code -XX:+PrintCompilation} as "made not entrant: marked for deoptimization" at the end of the
 * first prefill, the second prefill ran partly interpreted until C2 compiled it all again. The one kind
 * not made here, a mapped file's segment, comes with the weights, which are mapped before any kernel runs.
 */
final class SegmentClasses {
    private SegmentClasses() {}

    private static final Object[] LOADED = {
        MemorySegment.ofArray(new byte[1]), MemorySegment.ofArray(new short[1]), MemorySegment.ofArray(new char[1]),
        MemorySegment.ofArray(new int[1]), MemorySegment.ofArray(new long[1]), MemorySegment.ofArray(new float[1]),
        MemorySegment.ofArray(new double[1]), Arena.global().allocate(1),
    };

    /** Makes sure the classes are loaded (the work happens once, in the class initializer). */
    static int load() { return LOADED.length; }
}
