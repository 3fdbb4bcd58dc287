package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The in-register F16 one-row kernel: exact conversion, the operand's scale, Inf/NaN rows and their scan. */
class F16DecodeTest {
    private static final Parallel PAR = new Parallel(2);
    private static final int K = 64, ROWS = 65536 / K;

    @AfterAll static void close() { PAR.close(); }

    /**
     * Every F16 bit pattern once (row n, column j holds pattern n·64 + j); x is {@code v} at column j
     * and 0 elsewhere, so y[n] is exactly w[n,j]·v where that is finite, and the element-by-element
     * FMA chain's non-finite value in rows holding an Inf or NaN. v = 2^100 takes the operand's
     * smaller scale (|x| ≥ 2^63).
     */
    @ParameterizedTest @ValueSource(floats = {1f, -0.75f, 0x1p100f})
    void everyBitPatternIsConvertedExactly(float v) {
        Tensor w = Tensor.of(DType.F16, new HostStorage(allPatterns(Arena.ofAuto())), ROWS, K);
        for (int j = 0; j < K; j++) {
            float[] x = new float[K];
            x[j] = v;
            float[] y = CpuMatmul.linear(PAR, Tensor.ofFloats(x, 1, K), w, null).toFloatArray();
            for (int n = 0; n < ROWS; n++) {
                float want = fmaChain(x, w, n);
                int bits = n * K + j;
                if (Float.isNaN(want)) assertTrue(Float.isNaN(y[n]), "pattern 0x" + Integer.toHexString(bits) + ": NaN expected, got " + y[n]);
                else assertEquals(want, y[n], 0f, "pattern 0x" + Integer.toHexString(bits) + " times " + v);
                if (Float.isFinite(want)) assertEquals(Float.float16ToFloat((short) bits) * v, y[n], 0f);
            }
        }
    }

    /** Rows with +Inf, −Inf, both, NaN, or an Inf where x is 0 give the non-finite result of exact arithmetic. */
    @Test void rowsWithInfOrNanAreNotFinite() {
        Random rnd = new Random(4);
        int k = 100, n = 9;
        float[] values = MatmulTestTensors.uniform(rnd, n * k);
        values[1 * k + 3] = Float.POSITIVE_INFINITY;
        values[2 * k + 99] = Float.NEGATIVE_INFINITY;                  // in the scalar tail
        values[3 * k + 5] = Float.POSITIVE_INFINITY; values[3 * k + 50] = Float.NEGATIVE_INFINITY;
        values[5 * k + 17] = Float.NaN;
        values[7 * k + 8] = Float.POSITIVE_INFINITY;
        float[] x = MatmulTestTensors.uniform(rnd, k);
        x[8] = 0;                                                      // 0 · Inf = NaN
        Tensor w = MatmulTestTensors.unaligned(DType.F16, values, n, k);
        float[] y = CpuMatmul.linear(PAR, Tensor.ofFloats(x, 1, k), w, null).toFloatArray();
        for (int row = 0; row < n; row++) {
            float want = fmaChain(x, w, row);
            boolean special = row == 1 || row == 2 || row == 3 || row == 5 || row == 7;
            assertEquals(special, !Float.isFinite(want), "row " + row + " of the test data");
            if (Float.isNaN(want)) assertTrue(Float.isNaN(y[row]), "row " + row + ": NaN expected, got " + y[row]);
            else if (special) assertEquals(want, y[row], "row " + row);
            else assertEquals(want, y[row], 1e-5f * Math.abs(want) + 1e-6f, "row " + row);
        }
        assertTrue(Float.isNaN(y[3]) && Float.isNaN(y[5]) && Float.isNaN(y[7]), "+Inf with −Inf, NaN, 0 · Inf");
    }

    /** |x| ≥ 2^63: the operand's scale shrinks instead of overflowing. */
    @Test void hugeActivationsStayFinite() {
        Random rnd = new Random(6);
        int k = 300, n = 11;
        float[] x = MatmulTestTensors.uniform(rnd, k);
        for (int i = 0; i < k; i++) x[i] *= 1e25f;
        Tensor w = MatmulTestTensors.unaligned(DType.F16, MatmulTestTensors.uniform(rnd, n * k), n, k);
        Tensor xt = Tensor.ofFloats(x, 1, k);
        double err = MatmulTestTensors.relativeError(CpuMatmul.linear(PAR, xt, w, null).toFloatArray(),
                CpuMatmulTest.reference(MatmulTestTensors.doubles(xt), MatmulTestTensors.doubles(w), null, 1, k, n));
        assertTrue(err < 1e-5, "relative error " + err);
    }

    /** A read-only mapped weight is scanned once; any other is scanned at every call. */
    @Test void mappedWeightsAreScannedOnce(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.bin");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment all = allPatterns(arena);
            Files.write(file, all.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            WeightMatrix heap = WeightMatrix.of(Tensor.of(DType.F16, new HostStorage(all), ROWS, K));
            assertNotSame(HalfScan.nonFiniteRows(PAR, heap), HalfScan.nonFiniteRows(PAR, heap));
            try (FileChannel ch = FileChannel.open(file)) {
                MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, all.byteSize(), arena);
                WeightMatrix wm = WeightMatrix.of(Tensor.of(DType.F16, new HostStorage(mapped), ROWS, K));
                assertTrue(wm.readOnlyFile());
                BitSet rows = HalfScan.nonFiniteRows(PAR, wm);
                assertSame(rows, HalfScan.nonFiniteRows(PAR, WeightMatrix.of(Tensor.of(DType.F16, new HostStorage(mapped), ROWS, K))));
                BitSet want = new BitSet();
                for (int p = 0; p < 65536; p++) if ((p & 0x7c00) == 0x7c00) want.set(p / K);
                assertEquals(want, rows);
                assertEquals(want, HalfScan.nonFiniteRows(PAR, heap));
            }
        }
    }

    /** 65536 F16 elements, element i holding bit pattern i, at an odd address. */
    private static MemorySegment allPatterns(Arena arena) {
        MemorySegment seg = arena.allocate(65536 * 2 + 1).asSlice(1);
        for (int i = 0; i < 65536; i++) seg.setAtIndex(HalfVectors.I16, i, (short) i);
        return seg;
    }

    private static float fmaChain(float[] x, Tensor w, int row) {
        MemorySegment seg = w.segment();
        float s = 0;
        for (int k = 0; k < x.length; k++) s = Math.fma(x[k], Float.float16ToFloat(seg.getAtIndex(HalfVectors.I16, (long) row * x.length + k)), s);
        return s;
    }
}
