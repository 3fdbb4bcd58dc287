package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpuMatmulTest {
    private static final Parallel PAR = new Parallel(2);

    @AfterAll static void close() { PAR.close(); }

    @Test void f16AndBf16ConvertExactlyForAllBitPatterns() {
        MemorySegment seg = Arena.ofAuto().allocate(65536 * 2 + 1).asSlice(1);   // odd address on purpose
        for (int i = 0; i < 65536; i++) seg.set(HalfVectors.I16, i * 2L, (short) i);
        float[] all = new float[65536];
        for (int warm = 0; warm < 200; warm++) HalfVectors.f16ToFloats(seg, 0, all, 0, 65536);   // the JIT's vectorized loop too
        for (int i = 0; i < 65536; i += HalfVectors.LANES) {
            float[] bf16 = HalfVectors.loadBf16(seg, i).toArray();
            for (int l = 0; l < HalfVectors.LANES; l++) {
                short bits = (short) (i + l);
                int want = Float.floatToRawIntBits(Float.float16ToFloat(bits)), quiet = 0x0040_0000;
                int got = Float.floatToRawIntBits(all[i + l]);
                if (Float.isNaN(all[i + l])) { want |= quiet; got |= quiet; }   // F16C makes NaNs quiet, the Java code need not
                assertEquals(want, got,
                        () -> "F16 0x" + Integer.toHexString(bits & 0xffff));
                assertEquals(bits << 16, Float.floatToRawIntBits(bf16[l]), () -> "BF16 0x" + Integer.toHexString(bits & 0xffff));
            }
        }
    }

    @ParameterizedTest @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void batchedMatchesDoubleReference(DType dtype) {
        check(dtype, 7, 37, 29, true, 1e-5);
        check(dtype, 2, 8, 5, false, 1e-5);
        check(dtype, 261, 1100, 53, true, 1e-5);   // several K blocks, edge tiles
        check(dtype, 397, 530, 300, true, 1e-5);   // two M blocks, two output blocks per thread, odd K blocks
        check(dtype, 3, 0, 4, true, 1e-5);         // K = 0: the bias
    }

    @ParameterizedTest @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void oneRowMatchesDoubleReference(DType dtype) {
        check(dtype, 1, 37, 29, true, 1e-5);
        check(dtype, 1, 3, 2, false, 1e-5);
        check(dtype, 1, 1029, 67, true, 1e-5);
    }

    @Test void stridedInputIsAccepted() {
        Random rnd = new Random(5);
        Tensor xt = Tensor.ofFloats(MatmulTestTensors.uniform(rnd, 13 * 6), 13, 6);   // x = xtᵀ [6,13], not contiguous
        Tensor w = MatmulTestTensors.unaligned(DType.F16, MatmulTestTensors.uniform(rnd, 9 * 13), 9, 13);
        Tensor y = CpuMatmul.linear(PAR, xt.transpose(0, 1), w, null);
        double err = MatmulTestTensors.relativeError(y.toFloatArray(), reference(MatmulTestTensors.doubles(xt.transpose(0, 1)), MatmulTestTensors.doubles(w), null, 6, 13, 9));
        assertTrue(err < 1e-5, "relative error " + err);
    }

    /** x a one-row view in the middle of a larger tensor: only its K elements may be read. */
    @ParameterizedTest @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void oneRowViewOfALargerTensor(DType dtype) {
        Random rnd = new Random(23);
        int k = 203, n = 67;
        Tensor big = Tensor.ofFloats(MatmulTestTensors.uniform(rnd, 3 * (k + 6)), 3, k + 6);
        Tensor x = big.slice(0, 1, 2).slice(1, 0, k).reshape(1, k);
        Tensor w = MatmulTestTensors.unaligned(dtype, MatmulTestTensors.uniform(rnd, n * k), n, k);
        double err = MatmulTestTensors.relativeError(CpuMatmul.linear(PAR, x, w, null).toFloatArray(),
                reference(MatmulTestTensors.doubles(x), MatmulTestTensors.doubles(w), null, 1, k, n));
        assertTrue(err < 1e-5, dtype + ": relative error " + err);
    }

    /**
     * Each output of the batched kernel is one float FMA chain over k in order, from the bias: two
     * blocks of A's rows, three output blocks (the last one partial) taken by one to three threads.
     */
    @ParameterizedTest @ValueSource(ints = {1, 3})
    void batchedIsOneFmaChainPerOutput(int threads) {
        Random rnd = new Random(3);
        int m = 391, k = 600, n = 2 * CpuGemm.NB + 44;
        float[] xs = MatmulTestTensors.uniform(rnd, m * k), ws = MatmulTestTensors.uniform(rnd, n * k), bs = MatmulTestTensors.uniform(rnd, n);
        float[] y;
        try (Parallel par = new Parallel(threads)) {
            y = CpuMatmul.linear(par, Tensor.ofFloats(xs, m, k), Tensor.ofFloats(ws, n, k), Tensor.ofFloats(bs, n)).toFloatArray();
        }
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float s = bs[j];
                for (int kk = 0; kk < k; kk++) s = Math.fma(xs[i * k + kk], ws[j * k + kk], s);
                assertEquals(s, y[i * n + j], "y[" + i + "," + j + "]");
            }
    }

    @ParameterizedTest @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void reproducibleAndIndependentOfThreadCount(DType dtype) {
        Random rnd = new Random(11);
        for (int m : new int[] {1, 45}) {
            Tensor x = Tensor.ofFloats(MatmulTestTensors.uniform(rnd, m * 777), m, 777);
            Tensor w = MatmulTestTensors.unaligned(dtype, MatmulTestTensors.uniform(rnd, 101 * 777), 101, 777);
            float[] first = CpuMatmul.linear(PAR, x, w, null).toFloatArray();
            assertArrayEquals(first, CpuMatmul.linear(PAR, x, w, null).toFloatArray(), "M=" + m + ": second run differs");
            try (Parallel three = new Parallel(3)) {
                assertArrayEquals(first, CpuMatmul.linear(three, x, w, null).toFloatArray(), "M=" + m + ": 3 threads differ from 2");
            }
        }
    }

    /** Several weights in one call give the bits of one product each, whatever the thread count, row groups and output blocks. */
    @Test void linearsEqualSeparateProducts() {
        Random rnd = new Random(17);
        int k = 301;
        Tensor[] ws = {                                   // row counts off the 8- and 4-row groups, mixed types
                MatmulTestTensors.unaligned(DType.F32, MatmulTestTensors.uniform(rnd, 13 * k), 13, k),
                MatmulTestTensors.unaligned(DType.F16, MatmulTestTensors.uniform(rnd, 6 * k), 6, k),
                MatmulTestTensors.unaligned(DType.BF16, MatmulTestTensors.uniform(rnd, 21 * k), 21, k),
                MatmulTestTensors.unaligned(DType.F32, MatmulTestTensors.uniform(rnd, 1 * k), 1, k),
                MatmulTestTensors.unaligned(DType.F32, MatmulTestTensors.uniform(rnd, 250 * k), 250, k)};   // > one output block
        for (int m : new int[] {1, 9, 45}) {
            Tensor x = Tensor.ofFloats(MatmulTestTensors.uniform(rnd, m * k), m, k);
            for (int threads : new int[] {1, 2, 3, 5}) {
                try (Parallel par = new Parallel(threads)) {
                    Tensor[] ys = CpuMatmul.linears(par, x, ws);
                    assertEquals(ws.length, ys.length);
                    for (int i = 0; i < ws.length; i++)
                        assertArrayEquals(CpuMatmul.linear(PAR, x, ws[i], null).toFloatArray(), ys[i].toFloatArray(),
                                "M=" + m + ", " + threads + " threads, weight " + i + " (" + ws[i] + ")");
                }
            }
        }
        Tensor x = Tensor.ofFloats(new float[k + 1], 1, k + 1);
        assertThrows(IllegalArgumentException.class, () -> CpuMatmul.linears(PAR, x, ws));
    }

    /** A memory-mapped weight is read through a plain native view of the same memory (see {@link WeightMatrix}). */
    @Test void mappedWeightsAreReadThroughAPlainView(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.bin");
        float[] values = MatmulTestTensors.uniform(new Random(2), 8 * 16);
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : values) bytes.putFloat(v);
        Files.write(file, bytes.array());
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, values.length * 4L, arena);
            Tensor w = Tensor.of(DType.F32, new HostStorage(mapped), 8, 16);
            WeightMatrix wm = WeightMatrix.of(w);
            assertTrue(mapped.isMapped() && !wm.segment().isMapped(), "a plain view");
            assertEquals(mapped.address(), wm.segment().address(), "of the same memory");
            Tensor x = Tensor.ofFloats(MatmulTestTensors.uniform(new Random(3), 16), 1, 16);
            assertArrayEquals(CpuMatmul.linear(PAR, x, Tensor.ofFloats(values, 8, 16), null).toFloatArray(),
                    CpuMatmul.linear(PAR, x, w, null).toFloatArray());
            arena.close();
            assertThrows(IllegalStateException.class, () -> wm.segment().get(HalfVectors.F32, 0), "the view dies with the mapping");
        }
    }

    private static void check(DType dtype, int m, int k, int n, boolean withBias, double tolerance) {
        Random rnd = new Random(31L * m + 7L * k + n + dtype.ordinal());
        Tensor x = Tensor.ofFloats(MatmulTestTensors.uniform(rnd, m * k), m, k);
        Tensor w = MatmulTestTensors.unaligned(dtype, MatmulTestTensors.uniform(rnd, n * k), n, k);
        Tensor b = withBias ? MatmulTestTensors.unaligned(DType.BF16, MatmulTestTensors.uniform(rnd, n), n) : null;
        Tensor y = CpuMatmul.linear(PAR, x, w, b);
        assertArrayEquals(new int[] {m, n}, y.shape());
        double[] want = reference(MatmulTestTensors.doubles(x), MatmulTestTensors.doubles(w), b == null ? null : MatmulTestTensors.doubles(b), m, k, n);
        double err = MatmulTestTensors.relativeError(y.toFloatArray(), want);
        assertTrue(err < tolerance, dtype + " M=" + m + " K=" + k + " N=" + n + ": relative error " + err + " ≥ " + tolerance);
    }

    static double[] reference(double[] x, double[] w, double[] b, int m, int k, int n) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = b == null ? 0 : b[j];
                for (int kk = 0; kk < k; kk++) s += x[i * k + kk] * w[j * k + kk];
                y[i * n + j] = s;
            }
        return y;
    }
}
