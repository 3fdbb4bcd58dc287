package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * Spatial sampling of {@code [C,H,W]} maps: bilinear resize (PyTorch's {@code F.interpolate}, both
 * align_corners conventions) and RoIAlign (torchvision's average RoIAlign with a fixed sampling ratio).
 * Arithmetic is float, in the same order as the PyTorch CPU kernels.
 */
final class CpuSpatial {
    private CpuSpatial() {}

    /** Bilinear resize of {@code x[C,H,W]} to {@code [C,outH,outW]}; an axis with in == out is copied exactly. */
    static Tensor resizeBilinear(Parallel par, Tensor x, int outH, int outW, boolean alignCorners) {
        if (x.rank() != 3) throw new IllegalArgumentException("resizeBilinear: x must be [C,H,W], got " + x);
        if (outH <= 0 || outW <= 0) throw new IllegalArgumentException("resizeBilinear: output size " + outH + "×" + outW);
        int channels = x.dim(0), inH = x.dim(1), inW = x.dim(2);
        Axis ys = new Axis(inH, outH, alignCorners), xs = new Axis(inW, outW, alignCorners);
        MemorySegment in = CpuCopy.contiguous(x).segment();
        Tensor y = Tensor.zeros(DType.F32, channels, outH, outW);
        MemorySegment out = y.segment();
        par.forRange(channels * outH, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int c = r / outH, oy = r % outH;
                long top = ((long) c * inH + ys.i0[oy]) * inW, bottom = ((long) c * inH + ys.i1[oy]) * inW;
                float ly = ys.lambda[oy], hy = 1f - ly;
                long o = (long) r * outW;
                for (int ox = 0; ox < outW; ox++) {
                    int x0 = xs.i0[ox], x1 = xs.i1[ox];
                    float lx = xs.lambda[ox], hx = 1f - lx;
                    float v = hy * (hx * at(in, top + x0) + lx * at(in, top + x1))
                            + ly * (hx * at(in, bottom + x0) + lx * at(in, bottom + x1));
                    out.setAtIndex(CpuCopy.F32, o + ox, v);
                }
            }
        });
        return y;
    }

    /**
     * Source taps of one resized axis: {@code out[d] = (1-λ)·in[i0] + λ·in[i1]}. As in PyTorch's CPU
     * kernel the scale is a float and the source position is evaluated in double before λ is rounded.
     */
    private static final class Axis {
        final int[] i0, i1;
        final float[] lambda;

        Axis(int in, int out, boolean alignCorners) {
            i0 = new int[out]; i1 = new int[out]; lambda = new float[out];
            float scale = alignCorners ? (out > 1 ? (float) (in - 1) / (out - 1) : 0f) : (float) in / out;
            for (int d = 0; d < out; d++) {
                if (in == out) { i0[d] = i1[d] = d; continue; }
                double src = alignCorners ? (double) scale * d : Math.max((double) scale * (d + 0.5) - 0.5, 0);
                int lo = Math.min((int) Math.floor(src), in - 1);
                i0[d] = lo;
                i1[d] = Math.min(lo + 1, in - 1);
                lambda[d] = (float) Math.min(Math.max(src - lo, 0), 1);
            }
        }
    }

    /**
     * RoIAlign (average) of {@code x[C,H,W]} over {@code boxes[K,4]} → {@code [K,C,out,out]}:
     * box corners times {@code spatialScale} (minus 0.5 when aligned; unaligned boxes are at least
     * 1×1), {@code samplingRatio²} bilinear samples per bin, averaged. A sample further than one
     * pixel outside the map counts as 0; coordinates clamp at 0 and at the last row/column.
     */
    static Tensor roiAlign(Parallel par, Tensor x, Tensor boxes, float spatialScale, int outSize, int samplingRatio, boolean aligned) {
        if (x.rank() != 3) throw new IllegalArgumentException("roiAlign: x must be [C,H,W], got " + x);
        if (boxes.rank() != 2 || boxes.dim(1) != 4) throw new IllegalArgumentException("roiAlign: boxes must be [K,4], got " + boxes);
        if (outSize <= 0 || samplingRatio <= 0)
            throw new IllegalArgumentException("roiAlign: output size " + outSize + " and sampling ratio " + samplingRatio + " must be positive");
        int channels = x.dim(0), height = x.dim(1), width = x.dim(2), count = boxes.dim(0);
        float[] corners = boxes.toFloatArray();
        Samples[] ys = new Samples[count], xs = new Samples[count];
        float offset = aligned ? 0.5f : 0f;
        for (int k = 0; k < count; k++) {
            float startX = corners[4 * k] * spatialScale - offset, startY = corners[4 * k + 1] * spatialScale - offset;
            float endX = corners[4 * k + 2] * spatialScale - offset, endY = corners[4 * k + 3] * spatialScale - offset;
            float roiW = endX - startX, roiH = endY - startY;
            if (!aligned) { roiW = Math.max(roiW, 1f); roiH = Math.max(roiH, 1f); }
            ys[k] = new Samples(startY, roiH / outSize, outSize, samplingRatio, height);
            xs[k] = new Samples(startX, roiW / outSize, outSize, samplingRatio, width);
        }
        MemorySegment in = CpuCopy.contiguous(x).segment();
        Tensor y = Tensor.zeros(DType.F32, count, channels, outSize, outSize);
        MemorySegment out = y.segment();
        float samples = samplingRatio * samplingRatio;
        int perBin = samplingRatio;
        par.forRange(count * channels, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                Samples sy = ys[p / channels], sx = xs[p / channels];
                long plane = (long) (p % channels) * height * width;
                long o = (long) p * outSize * outSize;
                for (int ph = 0; ph < outSize; ph++)
                    for (int pw = 0; pw < outSize; pw++) {
                        float acc = 0f;
                        for (int iy = ph * perBin; iy < (ph + 1) * perBin; iy++) {
                            if (!sy.inside[iy]) continue;
                            long rowLo = plane + (long) sy.lo[iy] * width, rowHi = plane + (long) sy.hi[iy] * width;
                            float ly = sy.l[iy], hy = sy.h[iy];
                            for (int ix = pw * perBin; ix < (pw + 1) * perBin; ix++) {
                                if (!sx.inside[ix]) continue;
                                float lx = sx.l[ix], hx = sx.h[ix];
                                acc += hy * hx * at(in, rowLo + sx.lo[ix]) + hy * lx * at(in, rowLo + sx.hi[ix])
                                        + ly * hx * at(in, rowHi + sx.lo[ix]) + ly * lx * at(in, rowHi + sx.hi[ix]);
                            }
                        }
                        out.setAtIndex(CpuCopy.F32, o++, acc / samples);
                    }
            }
        });
        return y;
    }

    /**
     * The sample positions of one box along one axis: {@code out·ratio} positions
     * {@code start + bin·size + (i + 0.5)·size/ratio}, each as two taps with weights.
     */
    private static final class Samples {
        final int[] lo, hi;
        final float[] l, h;
        final boolean[] inside;

        Samples(float start, float binSize, int bins, int ratio, int size) {
            int n = bins * ratio;
            lo = new int[n]; hi = new int[n]; l = new float[n]; h = new float[n]; inside = new boolean[n];
            for (int bin = 0, s = 0; bin < bins; bin++)
                for (int i = 0; i < ratio; i++, s++) {
                    float v = start + bin * binSize + (i + 0.5f) * binSize / ratio;
                    if (v < -1f || v > size) continue;
                    inside[s] = true;
                    if (v <= 0) v = 0;
                    int low = (int) v;
                    if (low >= size - 1) { lo[s] = hi[s] = size - 1; v = low = size - 1; }
                    else { lo[s] = low; hi[s] = low + 1; }
                    l[s] = v - low;
                    h[s] = 1f - l[s];
                }
        }
    }

    private static float at(MemorySegment s, long i) { return s.getAtIndex(CpuCopy.F32, i); }
}
