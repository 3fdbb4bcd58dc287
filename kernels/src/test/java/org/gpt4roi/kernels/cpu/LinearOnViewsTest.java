package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The matrix product on views with offsets into larger storages (a row of a bigger x, rows 4.. of a
 * fused weight), as the models and the opencl op checks use it. A view's segment must span exactly
 * the view: the one-row kernel once read x past its end and gave wrong sums (found on the H200 run).
 * K = 48 and 120 leave a whole 16-element block in the scalar tail of the 16-bit one-row kernel
 * (K mod 32 ≥ 16), which once read x in the vector blocks' permuted order.
 */
class LinearOnViewsTest {
    @ParameterizedTest(name = "M={0} K={1} {2}")
    @CsvSource({"1, 203, F16", "1, 203, BF16", "1, 203, F32", "1, 64, F16", "3, 203, F16", "1, 37, BF16",
            "1, 48, F16", "1, 48, BF16", "1, 9408, F16", "1, 120, F16"})
    void viewsAtOffsetsMatchDoublePrecision(int m, int k, String dtype) {
        int n = 67;
        DType dt = DType.valueOf(dtype);
        SplittableRandom r = new SplittableRandom(7);
        float[] xBig = new float[(m + 2) * (k + 6)], wBig = new float[(n + 4) * k];
        for (int i = 0; i < xBig.length; i++) xBig[i] = (float) r.nextGaussian();
        for (int i = 0; i < wBig.length; i++) wBig[i] = round(dt, (float) r.nextGaussian());
        Tensor wStore = Tensor.zeros(dt, n + 4, k);
        for (int i = 0; i < wBig.length; i++) {
            long at = (long) i * dt.size;
            switch (dt) {
                case F16 -> wStore.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at, HalfFloats.f32ToF16(wBig[i]));
                case BF16 -> wStore.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at, HalfFloats.f32ToBf16(wBig[i]));
                default -> wStore.segment().set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at, wBig[i]);
            }
        }
        Tensor x = Tensor.ofFloats(xBig, m + 2, k + 6).slice(0, 1, m + 1).slice(1, 0, k);   // [m, k], row stride k+6
        Tensor w = wStore.slice(0, 4, n + 4);                                              // [n, k], offset 4k
        try (CpuBackend b = new CpuBackend(2)) {
            float[] y = b.linear(m == 1 ? x.reshape(1, k) : x, w, null).toFloatArray();
            double maxErr = 0, maxRef = 0;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int q = 0; q < k; q++) s += (double) xBig[(i + 1) * (k + 6) + q] * wBig[(j + 4) * k + q];
                    maxErr = Math.max(maxErr, Math.abs(s - y[i * n + j]));
                    maxRef = Math.max(maxRef, Math.abs(s));
                }
            assertTrue(maxErr / maxRef < 1e-5, "relative error " + maxErr / maxRef);
        }
    }

    private static float round(DType dt, float v) {
        return switch (dt) {
            case F16 -> HalfFloats.f16ToF32(HalfFloats.f32ToF16(v));
            case BF16 -> HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(v));
            default -> v;
        };
    }
}
