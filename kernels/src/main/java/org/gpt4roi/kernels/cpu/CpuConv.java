package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * 2-D convolution, NCHW, square kernel, equal stride and zero padding on both axes:
 * {@code y[N,O,Ho,Wo] = conv(x[N,C,H,W], w[O,C,k,k]) (+ bias[O])}.
 *
 * <p>Implicit GEMM: per image, output positions are the rows of the left operand (their receptive
 * fields unrolled as (c, ky, kx), packed block by block, never materialised whole) and the weight
 * {@code [O, C·k·k]} is used in place as the right operand, so y[n]ᵀ[Ho·Wo, O] = im2col · wᵀ.
 */
final class CpuConv {
    private CpuConv() {}

    static Tensor conv2d(Parallel par, Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        if (x.rank() != 4 || w.rank() != 4) throw new IllegalArgumentException("conv2d: x must be [N,C,H,W] and w [O,C,k,k], got " + x + ", " + w);
        int batch = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
        int o = w.dim(0), ks = w.dim(2);
        if (w.dim(1) != c || w.dim(3) != ks) throw new IllegalArgumentException("conv2d: w " + w + " does not fit x " + x + " (need [O," + c + ",k,k])");
        if (stride < 1 || padding < 0) throw new IllegalArgumentException("conv2d: stride " + stride + " / padding " + padding + " out of range");
        int ho = (h + 2 * padding - ks) / stride + 1, wo = (wd + 2 * padding - ks) / stride + 1;
        if (ho < 1 || wo < 1) throw new IllegalArgumentException("conv2d: kernel " + ks + " larger than padded input " + x);
        if (bias != null && bias.numel() != o) throw new IllegalArgumentException("conv2d: bias " + bias + " is not [" + o + "]");

        Tensor xc = x.isContiguous() && x.dtype() == DType.F32 ? x : x.toF32();
        Tensor wc = w.isContiguous() ? w : w.toF32();
        WeightMatrix wm = WeightMatrix.of(wc.reshape(o, c * ks * ks));
        float[] b = bias == null ? null : bias.toFloatArray();
        Tensor y = Tensor.zeros(DType.F32, batch, o, ho, wo);
        long imageIn = (long) c * h * wd, imageOut = (long) o * ho * wo;
        for (int img = 0; img < batch; img++) {
            MemorySegment in = xc.segment().asSlice(img * imageIn * 4, imageIn * 4);
            MemorySegment out = y.segment().asSlice(img * imageOut * 4, imageOut * 4);
            CpuGemm.multiply(par, im2col(in, c, h, wd, ks, stride, padding, wo), ho * wo, wm, b, out, 1, (long) ho * wo);
        }
        return y;
    }

    /** Rows = output positions p = oy·Wo + ox; columns = (c, ky, kx) of w's flattening; zero outside the image. */
    private static CpuGemm.RowSource im2col(MemorySegment x, int c, int h, int w, int ks, int stride, int pad, int wo) {
        int taps = ks * ks;
        return (m0, m1, k0, k1, dst, ld) -> {
            for (int p = m0; p < m1; p++) {
                int y0 = p / wo * stride - pad, x0 = p % wo * stride - pad, row = (p - m0) * ld;
                int ch = k0 / taps, ky = k0 % taps / ks, kx = k0 % ks;
                for (int col = k0; col < k1; col++) {
                    int iy = y0 + ky, ix = x0 + kx;
                    dst[row + col - k0] = iy >= 0 && iy < h && ix >= 0 && ix < w
                            ? x.get(HalfVectors.F32, (((long) ch * h + iy) * w + ix) * 4) : 0f;
                    if (++kx == ks) { kx = 0; if (++ky == ks) { ky = 0; ch++; } }
                }
            }
        };
    }
}
