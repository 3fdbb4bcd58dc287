package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleBinaryOperator;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** add, relu, quickGelu, siluMul against double-precision formulas, on sizes that leave vector tails. */
class CpuElementwiseTest {
    private static final CpuBackend CPU = new CpuBackend(2);
    private static final int N = 40_003;

    @AfterAll static void close() { CPU.close(); }

    @Test void add() { check("add", (x, y) -> x + y, (x, y) -> CPU.add(x, y)); }

    @Test void relu() { check("relu", (x, y) -> Math.max(x, 0), (x, y) -> CPU.relu(x)); }

    @Test void quickGelu() { check("quickGelu", (x, y) -> x / (1 + Math.exp(-1.702 * x)), (x, y) -> CPU.quickGelu(x)); }

    @Test void siluMul() { check("siluMul", (x, y) -> x / (1 + Math.exp(-x)) * y, (x, y) -> CPU.siluMul(x, y)); }

    @Test void inPlaceOpsWriteThroughAStridedView() {
        Tensor base = Accuracy.random(3, 4f, 9, 11);
        Tensor view = base.transpose(0, 1);
        float[] before = view.toFloatArray();
        CPU.relu(view);
        float[] after = view.toFloatArray();
        for (int i = 0; i < before.length; i++)
            assertTrue(after[i] == Math.max(before[i], 0f), "relu through a view at " + i);
    }

    @Test void shapesMustMatch() {
        assertThrows(IllegalArgumentException.class, () -> CPU.add(Accuracy.random(1, 1f, 3, 4), Accuracy.random(2, 1f, 4, 3)));
    }

    private interface Op { void apply(Tensor x, Tensor y); }

    private static void check(String name, DoubleBinaryOperator reference, Op op) {
        float[] x = Accuracy.randomFloats(11, N, 12f), y = Accuracy.randomFloats(12, N, 3f);
        Tensor xt = Tensor.ofFloats(x, N), yt = Tensor.ofFloats(y, N);
        op.apply(xt, yt);
        double[] want = new double[N];
        for (int i = 0; i < N; i++) want[i] = reference.applyAsDouble(x[i], y[i]);
        float[] got = xt.toFloatArray();
        double worst = 0;
        for (int i = 0; i < N; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-3));
        assertTrue(worst < 1e-6, name + ": max element-wise rel error " + worst);
    }
}
