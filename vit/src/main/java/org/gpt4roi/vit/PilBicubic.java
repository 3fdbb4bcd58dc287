package org.gpt4roi.vit;

/**
 * Pillow 9.4's {@code Image.resize(size, BICUBIC)} on an 8-bit RGB image, bit for bit: an
 * antialiased separable convolution (the cubic kernel with a = -0.5, its support widened by the
 * downscale factor), horizontal pass first, then vertical, each with fixed-point coefficients
 * and rounding and clipping to 8 bits in between. An axis whose size does not change is not
 * resampled. This is host-side image work, not a model op, so it lives here and not in a backend.
 */
final class PilBicubic {
    private PilBicubic() {}

    /** Fixed-point fraction bits of the coefficients (Pillow: 32 - 8 - 2). */
    private static final int PRECISION_BITS = 22;
    /** Support radius of the cubic kernel at scale 1. */
    private static final double SUPPORT = 2.0;

    /** {@code image} resized to {@code outWidth × outHeight}. */
    static RgbImage resize(RgbImage image, int outWidth, int outHeight) {
        int w = image.width(), h = image.height();
        byte[] pixels = image.data();
        if (outWidth != w) {
            pixels = horizontalPass(pixels, w, h, coefficients(w, outWidth));
            w = outWidth;
        }
        if (outHeight != h) {
            pixels = verticalPass(pixels, w, h, coefficients(h, outHeight));
            h = outHeight;
        }
        return pixels == image.data() ? image : new RgbImage(w, h, pixels);
    }

    /**
     * The filter of one axis: output index o reads inputs {@code first[o] .. first[o]+count[o]-1}
     * with fixed-point weights {@code weights[o·taps + j]}.
     */
    record Coefficients(int[] first, int[] count, int[] weights, int taps) {}

    /** Pillow's {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}. */
    static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize], count = new int[outSize], weights = new int[outSize * taps];
        double inverseScale = 1.0 / filterScale;
        double[] k = new double[taps];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int lo = Math.max((int) (center - support + 0.5), 0);
            int n = Math.min((int) (center + support + 0.5), inSize) - lo;
            double sum = 0;
            for (int j = 0; j < n; j++) {
                k[j] = cubic((j + lo - center + 0.5) * inverseScale);
                sum += k[j];
            }
            for (int j = 0; j < n; j++) {
                double normalised = sum != 0.0 ? k[j] / sum : k[j];
                double fixed = normalised * (1 << PRECISION_BITS);
                weights[o * taps + j] = (int) (normalised < 0 ? fixed - 0.5 : fixed + 0.5);
            }
            first[o] = lo;
            count[o] = n;
        }
        return new Coefficients(first, count, weights, taps);
    }

    /** The cubic convolution kernel with a = -0.5 (Keys). */
    private static double cubic(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /** [h, w, 3] → [h, outW, 3]. */
    private static byte[] horizontalPass(byte[] in, int w, int h, Coefficients f) {
        int outW = f.first.length;
        byte[] out = new byte[h * outW * 3];
        for (int y = 0; y < h; y++) {
            for (int o = 0; o < outW; o++) {
                int base = (y * w + f.first[o]) * 3, kw = o * f.taps;
                int r = 1 << (PRECISION_BITS - 1), g = r, b = r;
                for (int j = 0; j < f.count[o]; j++) {
                    int weight = f.weights[kw + j], p = base + j * 3;
                    r += (in[p] & 0xFF) * weight;
                    g += (in[p + 1] & 0xFF) * weight;
                    b += (in[p + 2] & 0xFF) * weight;
                }
                int q = (y * outW + o) * 3;
                out[q] = clip8(r);
                out[q + 1] = clip8(g);
                out[q + 2] = clip8(b);
            }
        }
        return out;
    }

    /** [h, w, 3] → [outH, w, 3]. */
    private static byte[] verticalPass(byte[] in, int w, int h, Coefficients f) {
        int outH = f.first.length, rowBytes = w * 3;
        byte[] out = new byte[outH * rowBytes];
        for (int o = 0; o < outH; o++) {
            int kw = o * f.taps;
            for (int i = 0; i < rowBytes; i++) {
                int acc = 1 << (PRECISION_BITS - 1);
                for (int j = 0, p = f.first[o] * rowBytes + i; j < f.count[o]; j++, p += rowBytes)
                    acc += (in[p] & 0xFF) * f.weights[kw + j];
                out[o * rowBytes + i] = clip8(acc);
            }
        }
        return out;
    }

    /** Fixed point → 8 bits: floor (arithmetic shift), then clamp to 0..255. */
    private static byte clip8(int fixed) {
        return (byte) Math.clamp(fixed >> PRECISION_BITS, 0, 255);
    }
}
