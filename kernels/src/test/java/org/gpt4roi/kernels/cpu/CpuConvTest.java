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

    /** Winograd F(2×2) and F(4×4) against double; the im2col path's error for scale. Odd sizes cut partial tiles. */
    @ParameterizedTest @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void winogradMatchesDoubleReference(DType dtype) {
        int n = 2, c = 67, h = 11, wd = 13, o = 37;
        Random rnd = new Random(17 + dtype.ordinal());
        Tensor x = Tensor.ofFloats(MatmulTestTensors.uniform(rnd, n * c * h * wd), n, c, h, wd);
        Tensor w = MatmulTestTensors.unaligned(dtype, MatmulTestTensors.uniform(rnd, o * c * 9), o, c, 3, 3);
        float[] b = MatmulTestTensors.uniform(rnd, o);
        double[] bd = new double[o];
        for (int i = 0; i < o; i++) bd[i] = b[i];
        double[] want = reference(MatmulTestTensors.doubles(x), MatmulTestTensors.doubles(w), bd, n, c, h, wd, o, 3, 1, 1);
        Tensor direct = Tensor.zeros(DType.F32, n, o, h, wd), f2 = Tensor.zeros(DType.F32, n, o, h, wd), f4 = Tensor.zeros(DType.F32, n, o, h, wd);
        CpuConv.implicitGemm(PAR, x, w, b, 1, 1, direct);
        CpuWinograd.conv3x3(PAR, CpuWinograd.F2, x, w, b, f2);
        CpuWinograd.conv3x3(PAR, CpuWinograd.F4, x, w, b, f4);
        double eDirect = MatmulTestTensors.relativeError(direct.toFloatArray(), want);
        double e2 = MatmulTestTensors.relativeError(f2.toFloatArray(), want), e4 = MatmulTestTensors.relativeError(f4.toFloatArray(), want);
        String errors = String.format("relative error: direct %.2e, F(2x2,3x3) %.2e, F(4x4,3x3) %.2e", eDirect, e2, e4);
        System.out.println(dtype + " " + errors);
        assertTrue(eDirect < 1e-5 && e2 < 1e-5 && e4 < 2e-5, errors);
        float[] routed = CpuConv.conv2d(PAR, x, w, Tensor.ofFloats(b, o), 1, 1).toFloatArray();
        assertArrayEquals(f4.toFloatArray(), routed, "conv2d should route this shape to F(4x4,3x3)");
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
