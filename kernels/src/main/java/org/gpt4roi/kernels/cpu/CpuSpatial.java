package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * Spatial sampling of {@code [C,H,W]} maps: bilinear resize (PyTorch's {@code F.interpolate}, both
 * align_corners conventions) and RoIAlign (torchvision's average RoIAlign with a fixed sampling ratio).
 * Arithmetic is float, in the same order as the PyTorch CPU kernels.
 */
final class CpuSpatial {
    private CpuSpatial() {}

    private static final VectorSpecies<Float> S = CpuVectors.FLOATS;

    /** Bilinear resize of {@code x[C,H,W]} to {@code [C,outH,outW]}; an axis with in == out is copied exactly. */
    static Tensor resizeBilinear(Parallel par, Tensor x, int outH, int outW, boolean alignCorners) {
        if (x.rank() != 3) throw new IllegalArgumentException("resizeBilinear: x must be [C,H,W], got " + x);
        if (outH <= 0 || outW <= 0) throw new IllegalArgumentException("resizeBilinear: output size " + outH + "×" + outW);
        int channels = x.dim(0), inH = x.dim(1), inW = x.dim(2);
        Axis ys = new Axis(inH, outH, alignCorners), xs = new Axis(inW, outW, alignCorners);
        MemorySegment in = CpuCopy.contiguous(x).segment();
        Tensor y = Tensor.zeros(DType.F32, channels, outH, outW);
        MemorySegment out = y.segment();
        // Per channel plane, in PyTorch's order: every input row resampled along x, then pairs of those rows
        // blended along y (a vector pass). Upsampling reuses each x-resampled row for several output rows.
        par.forRange(channels, (c0, c1) -> {
            float[] src = new float[inH * inW], rows = new float[inH * outW], dst = new float[outH * outW];
            for (int c = c0; c < c1; c++) {
                MemorySegment.copy(in, CpuCopy.F32, (long) c * src.length * 4, src, 0, src.length);
                for (int iy = 0, at = 0; iy < inH; iy++)
                    for (int ox = 0; ox < outW; ox++, at++) {
                        float lx = xs.lambda[ox];
                        rows[at] = (1f - lx) * src[iy * inW + xs.i0[ox]] + lx * src[iy * inW + xs.i1[ox]];
                    }
                for (int oy = 0; oy < outH; oy++) blend(rows, ys.i0[oy] * outW, ys.i1[oy] * outW, ys.lambda[oy], dst, oy * outW, outW);
                MemorySegment.copy(dst, 0, out, CpuCopy.F32, (long) c * dst.length * 4, dst.length);
            }
        });
        return y;
    }

    /** {@code dst[d..d+n) = (1-λ)·rows[top..] + λ·rows[bottom..]} (multiply, then add: no fused rounding). */
    private static void blend(float[] rows, int top, int bottom, float lambda, float[] dst, int d, int n) {
        float keep = 1f - lambda;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            FloatVector.fromArray(S, rows, top + i).mul(keep).add(FloatVector.fromArray(S, rows, bottom + i).mul(lambda)).intoArray(dst, d + i);
        for (; i < n; i++) dst[d + i] = keep * rows[top + i] + lambda * rows[bottom + i];
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
        int bins = outSize * outSize;
        // Work split over channels; each channel plane is sampled for every box from a heap copy.
        par.forRange(channels, (c0, c1) -> {
            float[] plane = new float[height * width], pooled = new float[bins];
            for (int c = c0; c < c1; c++) {
                MemorySegment.copy(in, CpuCopy.F32, (long) c * plane.length * 4, plane, 0, plane.length);
                for (int k = 0; k < count; k++) {
                    pool(plane, width, ys[k], xs[k], outSize, samplingRatio, samples, pooled);
                    MemorySegment.copy(pooled, 0, out, CpuCopy.F32, ((long) k * channels + c) * bins * 4, bins);
                }
            }
        });
        return y;
    }

    /** Averages the bilinear samples of each of the {@code out × out} bins of one box over one channel plane. */
    private static void pool(float[] plane, int width, Samples sy, Samples sx, int out, int ratio, float samples, float[] pooled) {
        for (int ph = 0, o = 0; ph < out; ph++)
            for (int pw = 0; pw < out; pw++, o++) {
                float acc = 0f;
                for (int iy = ph * ratio; iy < (ph + 1) * ratio; iy++) {
                    if (!sy.inside[iy]) continue;
                    int rowLo = sy.lo[iy] * width, rowHi = sy.hi[iy] * width;
                    float ly = sy.l[iy], hy = sy.h[iy];
                    for (int ix = pw * ratio; ix < (pw + 1) * ratio; ix++) {
                        if (!sx.inside[ix]) continue;
                        float lx = sx.l[ix], hx = sx.h[ix];
                        acc += hy * hx * plane[rowLo + sx.lo[ix]] + hy * lx * plane[rowLo + sx.hi[ix]]
                                + ly * hx * plane[rowHi + sx.lo[ix]] + ly * lx * plane[rowHi + sx.hi[ix]];
                    }
                }
                pooled[o] = acc / samples;
            }
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

}
