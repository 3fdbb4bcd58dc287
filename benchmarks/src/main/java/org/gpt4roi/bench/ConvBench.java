package org.gpt4roi.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.gpt4roi.kernels.cpu.CpuBackend;
import org.gpt4roi.tensor.DType;
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
 * The cpu backend's convolution on the region module's shapes: "CxOxHxWxKxSxP" (channels in, out, height, width, kernel, stride, padding).
 * 3×3 1024→1024 on 32×32 (stride 1, padding 1: the Winograd path) and the ViT-L patch
 * embedding (3→1024, 14×14 stride 14 on 224², the im2col path).
 * Direct-equivalent GFLOP/s = 2·O·C·k²·Ho·Wo / time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@State(Scope.Benchmark)
public class ConvBench {
    @Param({"1024x1024x32x32x3x1x1", "3x1024x224x224x14x14x0"})
    public String shape;

    @Param({"F16"})
    public String weights;

    @Param({"2"})
    public int threads;

    private CpuBackend cpu;
    private Tensor x, w;
    private int stride, pad;

    @Setup(Level.Trial)
    public void setUp() {
        int[] s = java.util.Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        int c = s[0], o = s[1], h = s[2], wd = s[3], k = s[4];
        stride = s[5];
        pad = s[6];
        Random rnd = new Random(2);
        cpu = new CpuBackend(threads);
        x = Tensor.ofFloats(MatmulBench.uniform(rnd, c * h * wd), 1, c, h, wd);
        w = MatmulBench.weight(DType.valueOf(weights), MatmulBench.uniform(rnd, o * c * k * k), o, c, k, k);
    }

    @TearDown(Level.Trial)
    public void tearDown() { cpu.close(); }

    @Benchmark
    public Tensor conv2d() { return cpu.conv2d(x, w, null, stride, pad); }
}
