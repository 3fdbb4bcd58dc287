package org.gpt4roi.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.gpt4roi.kernels.cpu.CpuBackend;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cpu backend's matrix product {@code y[M,N] = x[M,K]·w[N,K]ᵀ}. Shapes are "MxKxN":
 * 1024³, the ViT MLP (257×1024·4096ᵀ), the LLaMA MLP prefill (300×4096·11008ᵀ) and the decode
 * step (M = 1) over 4096×4096 and 11008×4096 weights. GFLOP/s = 2·M·K·N / time; for M = 1 the
 * effective bandwidth is the weight bytes / time. The weight is memory-mapped read-only from a
 * temporary file, as a checkpoint's is (an F16 one is then checked for Inf/NaN once, not per call).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
@State(Scope.Benchmark)
public class MatmulBench {
    @Param({"1024x1024x1024", "257x1024x4096", "300x4096x11008", "1x4096x4096", "1x4096x11008"})
    public String shape;

    @Param({"F32", "F16"})
    public String weights;

    @Param({"2"})
    public int threads;

    private CpuBackend cpu;
    private Tensor x, w;
    private Arena mapping;
    private Path file;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        int[] mkn = java.util.Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        Random rnd = new Random(1);
        cpu = new CpuBackend(threads);
        x = Tensor.ofFloats(uniform(rnd, mkn[0] * mkn[1]), mkn[0], mkn[1]);
        Tensor inMemory = weight(DType.valueOf(weights), uniform(rnd, mkn[2] * mkn[1]), mkn[2], mkn[1]);
        file = Files.createTempFile("matmul-bench", ".bin");
        Files.write(file, inMemory.segment().toArray(ValueLayout.JAVA_BYTE));
        mapping = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file)) {
            w = Tensor.of(inMemory.dtype(), new HostStorage(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), mapping)), inMemory.shape());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        cpu.close();
        mapping.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public Tensor linear() { return cpu.linear(x, w, null); }

    static float[] uniform(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextFloat() - 0.5f;
        return v;
    }

    /** A weight tensor of the given dtype (as a checkpoint would hold it). */
    static Tensor weight(DType dtype, float[] values, int... shape) {
        if (dtype == DType.F32) return Tensor.ofFloats(values, shape);
        Tensor t = Tensor.zeros(dtype, shape);
        for (int i = 0; i < values.length; i++)
            t.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i * 2L,
                    dtype == DType.F16 ? HalfFloats.f32ToF16(values[i]) : HalfFloats.f32ToBf16(values[i]));
        return t;
    }
}
