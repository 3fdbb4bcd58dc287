package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cached Winograd filters: a mapped weight gives the same bits as the same weight on the heap, on
 * every call, and another mapped file (even of the same shape) never reuses the first one's filters.
 */
class FilterCacheTest {
    static final int C = 40, O = 36;   // ≥ 32 channels: the Winograd path

    static float[] randomWeights(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[O * C * 9];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.1);
        return w;
    }

    static Tensor mapped(Path file, float[] values, Arena arena) throws IOException {
        MemorySegment bytes = MemorySegment.ofArray(new byte[values.length * 4]);
        MemorySegment.copy(values, 0, bytes, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        Files.write(file, bytes.toArray(ValueLayout.JAVA_BYTE));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return Tensor.of(DType.F32, new HostStorage(seg), O, C, 3, 3);
        }
    }

    @Test
    void mappedWeightsAreCachedCorrectly(@TempDir Path dir) throws IOException {
        float[] w1 = randomWeights(1), w2 = randomWeights(2), xv = new float[C * 20 * 20];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < xv.length; i++) xv[i] = (float) r.nextGaussian();
        Tensor x = Tensor.ofFloats(xv, 1, C, 20, 20);
        try (CpuBackend b = new CpuBackend(2); Arena arena = Arena.ofShared()) {
            Tensor m1 = mapped(dir.resolve("a.bin"), w1, arena), m2 = mapped(dir.resolve("b.bin"), w2, arena);
            assertTrue(m1.segment().isMapped());
            float[] heap1 = b.conv2d(x, Tensor.ofFloats(w1, O, C, 3, 3), null, 1, 1).toFloatArray();
            float[] heap2 = b.conv2d(x, Tensor.ofFloats(w2, O, C, 3, 3), null, 1, 1).toFloatArray();
            assertFalse(java.util.Arrays.equals(heap1, heap2));
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(heap1, b.conv2d(x, m1, null, 1, 1).toFloatArray(), "mapped weight a, call " + i);
                assertArrayEquals(heap2, b.conv2d(x, m2, null, 1, 1).toFloatArray(), "mapped weight b, call " + i);
            }
        }
    }
}
