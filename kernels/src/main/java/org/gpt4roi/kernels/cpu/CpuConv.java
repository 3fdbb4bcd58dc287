package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * 2-D convolution, NCHW, square kernel, equal stride and zero padding on both axes:
 * {@code y[N,O,Ho,Wo] = conv(x[N,C,H,W], w[O,C,k,k]) (+ bias[O])}.
 *
 * <p>3×3 stride 1 padding 1 convolutions with at least {@value #WINOGRAD_MIN_CHANNELS} input and
 * output channels and {@value #WINOGRAD_MIN_TILES} output tiles go to {@link CpuWinograd} F(4×4,3×3).
 * Everything else is an implicit GEMM: per image, output positions are the rows of the left operand
 * (their receptive fields unrolled as (c, ky, kx), packed block by block, never materialised whole)
 * and the weight {@code [O, C·k·k]} is used in place as the right operand, so
 * y[n]ᵀ[Ho·Wo, O] = im2col · wᵀ.
 */
final class CpuConv {
    private CpuConv() {}

    static final int WINOGRAD_MIN_CHANNELS = 32, WINOGRAD_MIN_TILES = 16;

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
        float[] b = bias == null ? null : bias.toFloatArray();
        Tensor y = Tensor.zeros(DType.F32, batch, o, ho, wo);
        int tiles4 = batch * ((h + 3) / 4) * ((wd + 3) / 4);
        if (ks == 3 && stride == 1 && padding == 1 && Math.min(c, o) >= WINOGRAD_MIN_CHANNELS && tiles4 >= WINOGRAD_MIN_TILES)
            CpuWinograd.conv3x3(par, CpuWinograd.F4, xc, wc, b, y);
        else implicitGemm(par, xc, wc, b, stride, padding, y);
        return y;
    }

    /** The direct path: per image, y[n]ᵀ = im2col(x[n]) · w[O, C·k·k]ᵀ (+ bias); x contiguous F32, y [N,O,Ho,Wo]. */
    static void implicitGemm(Parallel par, Tensor x, Tensor w, float[] bias, int stride, int padding, Tensor y) {
        int batch = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0), ks = w.dim(2);
        int ho = y.dim(2), wo = y.dim(3);
        WeightMatrix wm = WeightMatrix.of(w.reshape(o, c * ks * ks));
        long imageIn = (long) c * h * wd, imageOut = (long) o * ho * wo;
        for (int img = 0; img < batch; img++) {
            MemorySegment in = x.segment().asSlice(img * imageIn * 4, imageIn * 4);
            MemorySegment out = y.segment().asSlice(img * imageOut * 4, imageOut * 4);
            CpuGemm.multiply(par, im2col(in, c, h, wd, ks, stride, padding, wo), ho * wo, wm, bias, out, 1, (long) ho * wo);
        }
    }

    /**
     * Rows = output positions p = oy·Wo + ox; columns = (c, ky, kx) of w's flattening; zero outside the
     * image. Column by column, so that consecutive positions read neighbouring input pixels (a 1×1
     * convolution reads each channel plane sequentially instead of gathering across planes).
     */
    private static CpuGemm.RowSource im2col(MemorySegment x, int c, int h, int w, int ks, int stride, int pad, int wo) {
        int taps = ks * ks;
        return (m0, m1, k0, k1, dst, ld) -> {
            for (int col = k0; col < k1; col++) {
                int ch = col / taps, ky = col % taps / ks - pad, kx = col % ks - pad;
                long plane = (long) ch * h * w;
                int oy = m0 / wo, ox = m0 % wo;
                for (int p = m0; p < m1; p++) {
                    int iy = oy * stride + ky, ix = ox * stride + kx;
                    dst[(p - m0) * ld + col - k0] = iy >= 0 && iy < h && ix >= 0 && ix < w
                            ? x.get(HalfVectors.F32, (plane + (long) iy * w + ix) * 4) : 0f;
                    if (++ox == wo) { ox = 0; oy++; }
                }
            }
        };
    }
}
