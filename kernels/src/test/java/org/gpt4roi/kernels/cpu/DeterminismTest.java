package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import jdk.incubator.vector.FloatVector;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Same input, same thread count → the same bits, also after the JIT has compiled the kernels
 * (the first call runs mostly interpreted; the Vector API's own EXP and ADD reductions differ
 * between the two, which is why the kernels use {@link VectorMath} and fixed-order sums).
 */
class DeterminismTest {
    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 3);
        return v;
    }

    static void assertStable(String op, Function<CpuBackend, float[]> run) {
        try (CpuBackend b = new CpuBackend(2)) {
            float[] cold = run.apply(b);
            for (int i = 0; i < 400; i++) run.apply(b);
            assertArrayEquals(cold, run.apply(b), op + ": results changed after warm-up");
        }
    }

    @Test
    void elementwiseSoftmaxAndAttentionAreStableAcrossWarmUp() {
        float[] x = random(37 * 53, 1);
        assertStable("quickGelu", b -> { Tensor t = Tensor.ofFloats(x, 37, 53); b.quickGelu(t); return t.toFloatArray(); });
        assertStable("siluMul", b -> { Tensor g = Tensor.ofFloats(x, 37, 53), u = Tensor.ofFloats(x, 37, 53); b.siluMul(g, u); return g.toFloatArray(); });
        assertStable("softmax", b -> { Tensor t = Tensor.ofFloats(x, 37, 53); b.softmax(t); return t.toFloatArray(); });
        assertStable("layerNorm", b -> b.layerNorm(Tensor.ofFloats(x, 37, 53), Tensor.ofFloats(random(53, 2), 53),
                Tensor.ofFloats(random(53, 3), 53), 1e-5f).toFloatArray());
        float[] q = random(19 * 64, 4), kv = random(19 * 64, 5);
        assertStable("attention", b -> b.attention(Tensor.ofFloats(q, 19, 64), Tensor.ofFloats(kv, 19, 64),
                Tensor.ofFloats(q, 19, 64), 4, true).toFloatArray());
    }

    @Test
    void vectorAndScalarExpAgreeBitForBitAndWithMathExp() {
        float[] x = random(1 << 14, 6);
        for (int i = 0; i < 64; i++) x[i] = -100 + 3.2f * i;       // clamped ends and the whole range
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] v = new float[lanes];
        double worst = 0;
        for (int i = 0; i + lanes <= x.length; i += lanes) {
            VectorMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(v, 0);
            for (int l = 0; l < lanes; l++) {
                float s = VectorMath.exp(x[i + l]);
                assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(v[l]), "exp(" + x[i + l] + ") vector vs scalar");
                if (x[i + l] > -87 && x[i + l] < 88) worst = Math.max(worst, Math.abs(s / Math.exp(x[i + l]) - 1));
            }
        }
        assertTrue(worst < 3e-7, "max relative error of exp vs Math.exp: " + worst);
    }
}
