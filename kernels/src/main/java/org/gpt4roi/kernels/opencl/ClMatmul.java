package org.gpt4roi.kernels.opencl;

import static org.gpt4roi.kernels.opencl.OpenClBackend.require;
import static org.gpt4roi.kernels.opencl.OpenClBackend.shape;

import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * {@code y = x·wᵀ + b} and 2-D convolutions (as implicit matrix products over the image), on the
 * kernels of matmul.cl: {@code gemv} for one row, {@code gemm} (64×64 tiles) otherwise.
 */
final class ClMatmul {
    private ClMatmul() {}

    private static final int TILE = 64, GEMM_WG = 16, GEMV_ROWS = 8, GEMV_WG = 256;

    /** {@code y[..., N] = x[..., K] · w[N, K]ᵀ (+ bias[N])}; x rows may be strided. */
    static Tensor linear(OpenClBackend b, Tensor x, Tensor w, Tensor bias) {
        w = b.deviceWeight(w);
        require(w.rank() == 2, "linear", "w must be [N, K], not " + shape(w));
        int n = w.dim(0), k = w.dim(1);
        require(x.rank() >= 1 && x.dim(-1) == k, "linear", "x " + shape(x) + " does not match w " + shape(w));
        Tensor rows = rowView(b, x, k);                       // [M, K], unit column stride
        int m = rows.dim(0);
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = n;
        Tensor y = b.newTensor(outShape);
        if (m == 0 || n == 0) return y;
        Tensor bf = bias == null ? null : b.f32(bias);
        require(bf == null || bf.numel() == n, "linear", "bias " + (bf == null ? "" : shape(bf)) + " does not match N = " + n);
        String defines = ClRuntime.weightDefine(w.dtype());
        int ldx = Math.toIntExact(rows.stride(0));
        if (m == 1) {
            b.launch("matmul", defines, "gemv", new long[] {ceil(n, GEMV_ROWS) * GEMV_WG}, new long[] {GEMV_WG},
                    rows, w, bf == null ? y : bf, bf == null ? 0 : 1, y, n, k);
        } else {
            gemm(b, defines, rows, ldx, w, bf, y, m, n, k, new int[8]);
        }
        return y;
    }

    /** NCHW convolution {@code y[N,O,Ho,Wo] = conv(x[N,C,H,W], w[O,C,k,k]) (+ bias[O])}. */
    static Tensor conv2d(OpenClBackend b, Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        x = b.f32(x);
        w = b.deviceWeight(w);
        require(x.rank() == 4 && w.rank() == 4, "conv2d", "x must be [N,C,H,W] and w [O,C,k,k], not " + shape(x) + ", " + shape(w));
        int batch = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0), ks = w.dim(2);
        require(w.dim(1) == c && w.dim(3) == ks, "conv2d", "w " + shape(w) + " does not fit x " + shape(x) + " (square kernels only)");
        require(stride >= 1 && padding >= 0, "conv2d", "stride " + stride + " / padding " + padding);
        int ho = (h + 2 * padding - ks) / stride + 1, wo = (wd + 2 * padding - ks) / stride + 1;
        require(ho > 0 && wo > 0, "conv2d", "kernel " + ks + " does not fit a " + h + "×" + wd + " image with padding " + padding);
        Tensor y = b.newTensor(batch, o, ho, wo);
        Tensor bf = bias == null ? null : b.f32(bias);
        require(bf == null || bf.numel() == o, "conv2d", "bias " + (bf == null ? "" : shape(bf)) + " does not match O = " + o);
        int m = batch * ho * wo, k = c * ks * ks;
        if (m == 0 || o == 0) return y;
        int[] geometry = {c, h, wd, ks, stride, padding, ho, wo};
        gemm(b, ClRuntime.weightDefine(w.dtype()) + " -DCONV", x, 0, w, bf, y, m, o, k, geometry);
        return y;
    }

    private static void gemm(OpenClBackend b, String defines, Tensor x, int ldx, Tensor w, Tensor bias, Tensor y,
                             int m, int n, int k, int[] conv) {
        b.launch("matmul", defines, "gemm",
                new long[] {ceil(n, TILE) * GEMM_WG, ceil(m, TILE) * GEMM_WG}, new long[] {GEMM_WG, GEMM_WG},
                x, ldx, w, bias == null ? y : bias, bias == null ? 0 : 1, y, m, n, k, conv);
    }

    /** x as a [M, K] view with unit column stride: itself when its rows can be read directly, else a contiguous copy. */
    private static Tensor rowView(OpenClBackend b, Tensor x, int k) {
        Tensor d = b.onDevice(x);
        boolean direct = d.dtype() == DType.F32 && d.rank() == 2 && (d.stride(1) == 1 || k == 1) && d.stride(0) >= k;
        if (direct) return d;
        Tensor c = b.f32(d);
        return c.reshape(-1, k);
    }

    private static long ceil(long a, long b) { return (a + b - 1) / b; }
}
