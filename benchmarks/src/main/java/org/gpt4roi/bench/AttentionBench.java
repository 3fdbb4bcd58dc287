package org.gpt4roi.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * LLaMA-7B attention (32 heads × 128) over a 300-token prompt: the causal prefill (300 queries,
 * 300 keys) and one decode step (1 query, 300 keys), plus RoPE on the prefill rows.
 * Run: {@code java --add-modules jdk.incubator.vector -cp "benchmarks/target/benchmarks-0.1.0.jar:benchmarks/target/lib/*"
 * org.openjdk.jmh.Main AttentionBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBench {
    @Param({"cpu"}) public String backend;
    @Param({"0"}) public int threads;
    @Param({"300"}) public int tokens;

    private static final int HEADS = 32, HEAD_DIM = 128;
    private Backend b;
    private Tensor q, k, v, qLast, rows;

    @Setup(Level.Trial) public void setUp() {
        b = Backends.create(backend, threads, 0);
        q = b.upload(random(1, tokens, HEADS * HEAD_DIM));
        k = b.upload(random(2, tokens, HEADS * HEAD_DIM));
        v = b.upload(random(3, tokens, HEADS * HEAD_DIM));
        qLast = b.upload(random(4, 1, HEADS * HEAD_DIM));
        rows = b.upload(random(5, tokens, HEADS * HEAD_DIM));
    }

    @TearDown(Level.Trial) public void tearDown() { b.close(); }

    @Benchmark public Tensor prefillCausal() { return b.attention(q, k, v, HEADS, true); }

    @Benchmark public Tensor decodeStep() { return b.attention(qLast, k, v, HEADS, true); }

    @Benchmark public Tensor ropePrefill() { b.rope(rows, HEADS, 0, 10000f); return rows; }

    private static Tensor random(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < values.length; i++) values[i] = (float) r.nextGaussian();
        return Tensor.ofFloats(values, shape);
    }
}
