package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** LayerNorm, RMSNorm, GroupNorm and softmax against plain double-precision implementations. */
class CpuNormsTest {
    private static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    @Test void layerNormMatchesDoubleReference() {
        for (int[] mn : new int[][] {{1, 4096}, {7, 1027}, {3, 5}}) {
            int m = mn[0], n = mn[1];
            // An offset mean makes a naive one-pass variance lose digits.
            float[] x = Accuracy.randomFloats(m * 7L + n, m * n, 1f);
            for (int i = 0; i < x.length; i++) x[i] += 100f;
            float[] w = Accuracy.randomFloats(2, n, 2f), b = Accuracy.randomFloats(3, n, 1f);
            float[] got = CPU.layerNorm(Tensor.ofFloats(x, m, n), Tensor.ofFloats(w, n), Tensor.ofFloats(b, n), 1e-5f).toFloatArray();
            double[] want = new double[m * n];
            for (int r = 0; r < m; r++) {
                double mean = 0, var = 0;
                for (int i = 0; i < n; i++) mean += x[r * n + i];
                mean /= n;
                for (int i = 0; i < n; i++) var += (x[r * n + i] - mean) * (x[r * n + i] - mean);
                var /= n;
                for (int i = 0; i < n; i++) want[r * n + i] = (x[r * n + i] - mean) / Math.sqrt(var + 1e-5) * w[i] + b[i];
            }
            double err = Accuracy.relError(got, want);
            assertTrue(err < 2e-5, "layerNorm " + m + "×" + n + ": rel error " + err);
        }
    }

    @Test void rmsNormMatchesDoubleReferenceWithHalfWeights() {
        int m = 5, n = 4099;
        float[] x = Accuracy.randomFloats(4, m * n, 3f);
        float[] w = Accuracy.randomFloats(5, n, 1f);
        Tensor wHalf = Tensor.zeros(DType.F16, n);
        for (int i = 0; i < n; i++) {
            wHalf.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, HalfFloats.f32ToF16(w[i]));
            w[i] = HalfFloats.f16ToF32(HalfFloats.f32ToF16(w[i]));
        }
        float[] got = CPU.rmsNorm(Tensor.ofFloats(x, m, n), wHalf, 1e-6f).toFloatArray();
        double[] want = new double[m * n];
        for (int r = 0; r < m; r++) {
            double ms = 0;
            for (int i = 0; i < n; i++) ms += (double) x[r * n + i] * x[r * n + i];
            double inv = 1 / Math.sqrt(ms / n + 1e-6);
            for (int i = 0; i < n; i++) want[r * n + i] = w[i] * x[r * n + i] * inv;
        }
        double err = Accuracy.relError(got, want);
        assertTrue(err < 1e-6, "rmsNorm: rel error " + err);
    }

    @Test void groupNormMatchesDoubleReference() {
        int batch = 2, channels = 12, len = 37, groups = 4;
        float[] x = Accuracy.randomFloats(6, batch * channels * len, 2f);
        for (int i = 0; i < x.length; i++) x[i] += 5f;
        float[] w = Accuracy.randomFloats(7, channels, 1f), b = Accuracy.randomFloats(8, channels, 1f);
        float[] got = CPU.groupNorm(Tensor.ofFloats(x, batch, channels, len), groups,
                Tensor.ofFloats(w, channels), Tensor.ofFloats(b, channels), 1e-5f).toFloatArray();
        double[] want = new double[x.length];
        int size = channels / groups * len;
        for (int g = 0; g < batch * groups; g++) {
            double mean = 0, var = 0;
            for (int i = 0; i < size; i++) mean += x[g * size + i];
            mean /= size;
            for (int i = 0; i < size; i++) var += (x[g * size + i] - mean) * (x[g * size + i] - mean);
            var /= size;
            for (int i = 0; i < size; i++) {
                int c = (g % groups) * (channels / groups) + i / len;
                want[g * size + i] = (x[g * size + i] - mean) / Math.sqrt(var + 1e-5) * w[c] + b[c];
            }
        }
        double err = Accuracy.relError(got, want);
        assertTrue(err < 1e-5, "groupNorm: rel error " + err);
    }

    @Test void softmaxMatchesDoubleReferenceOnAStridedView() {
        int m = 6, n = 301;
        Tensor base = Accuracy.random(9, 20f, n, m);
        Tensor x = base.transpose(0, 1);                     // [m, n], strided
        float[] in = x.toFloatArray();
        CPU.softmax(x);
        double[] want = new double[m * n];
        for (int r = 0; r < m; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, in[r * n + i]);
            for (int i = 0; i < n; i++) sum += Math.exp(in[r * n + i] - max);
            for (int i = 0; i < n; i++) want[r * n + i] = Math.exp(in[r * n + i] - max) / sum;
        }
        double err = Accuracy.relError(x.toFloatArray(), want);
        assertTrue(err < 1e-6, "softmax: rel error " + err);
    }
}
