package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CpuConvTest {
    private static final Parallel PAR = new Parallel(2);

    @AfterAll static void close() { PAR.close(); }

    @ParameterizedTest @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void matchesDoubleReference(DType dtype) {
        check(dtype, 2, 5, 9, 11, 7, 3, 1, 1, true);     // 3×3, few channels
        check(dtype, 1, 13, 7, 5, 6, 1, 1, 0, false);    // 1×1
        check(dtype, 1, 4, 10, 9, 3, 3, 2, 1, true);     // strided
        check(dtype, 1, 3, 28, 28, 16, 14, 14, 0, false); // ViT patch embedding
        check(dtype, 1, 3, 8, 7, 2, 5, 2, 2, true);      // 5×5
    }

    @Test void reproducible() {
        Random rnd = new Random(3);
        Tensor x = Tensor.ofFloats(MatmulTestTensors.uniform(rnd, 2 * 40 * 13 * 11), 2, 40, 13, 11);
        Tensor w = MatmulTestTensors.unaligned(DType.F16, MatmulTestTensors.uniform(rnd, 24 * 40 * 9), 24, 40, 3, 3);
        float[] first = CpuConv.conv2d(PAR, x, w, null, 1, 1).toFloatArray();
        assertArrayEquals(first, CpuConv.conv2d(PAR, x, w, null, 1, 1).toFloatArray(), "second run differs");
    }

    private static void check(DType dtype, int n, int c, int h, int wd, int o, int k, int stride, int pad, boolean withBias) {
        Random rnd = new Random(n * 1000L + c * 100L + h * 10L + wd + o + k + dtype.ordinal());
        Tensor x = Tensor.ofFloats(MatmulTestTensors.uniform(rnd, n * c * h * wd), n, c, h, wd);
        Tensor w = MatmulTestTensors.unaligned(dtype, MatmulTestTensors.uniform(rnd, o * c * k * k), o, c, k, k);
        Tensor b = withBias ? MatmulTestTensors.unaligned(DType.F32, MatmulTestTensors.uniform(rnd, o), o) : null;
        Tensor y = CpuConv.conv2d(PAR, x, w, b, stride, pad);
        int ho = (h + 2 * pad - k) / stride + 1, wo = (wd + 2 * pad - k) / stride + 1;
        assertArrayEquals(new int[] {n, o, ho, wo}, y.shape());
        double[] want = reference(MatmulTestTensors.doubles(x), MatmulTestTensors.doubles(w), b == null ? null : MatmulTestTensors.doubles(b),
                n, c, h, wd, o, k, stride, pad);
        double err = MatmulTestTensors.relativeError(y.toFloatArray(), want);
        String what = String.format("%s x[%d,%d,%d,%d] w[%d,%d,%d,%d] stride %d pad %d", dtype, n, c, h, wd, o, c, k, k, stride, pad);
        assertTrue(err < 1e-5, what + ": relative error " + err);
    }

    /** Direct convolution in double. */
    static double[] reference(double[] x, double[] w, double[] b, int n, int c, int h, int wd, int o, int k, int stride, int pad) {
        int ho = (h + 2 * pad - k) / stride + 1, wo = (wd + 2 * pad - k) / stride + 1;
        double[] y = new double[n * o * ho * wo];
        for (int img = 0; img < n; img++)
            for (int oc = 0; oc < o; oc++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double s = b == null ? 0 : b[oc];
                        for (int ic = 0; ic < c; ic++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    s += x[((img * c + ic) * h + iy) * wd + ix] * w[((oc * c + ic) * k + ky) * k + kx];
                                }
                        y[((img * o + oc) * ho + oy) * wo + ox] = s;
                    }
        return y;
    }
}
