package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Bilinear resize and RoIAlign against PyTorch/torchvision goldens and a double-precision reference. */
class CpuSpatialTest {
    private static final CpuBackend CPU = new CpuBackend(2);
    private static final GoldenFile GOLDENS = new GoldenFile("/spatial/goldens.bin");

    @AfterAll static void close() { CPU.close(); }

    @Test void roiAlignMatchesTorchvisionOnEdgeCaseBoxes() {
        for (String name : new String[] {"roi_a", "roi_b", "roi_c", "roi_d", "roi_e"}) {
            float[] p = GOLDENS.get(name + ".params").toFloatArray();
            Tensor y = CPU.roiAlign(GOLDENS.get(name + ".x"), GOLDENS.get(name + ".boxes"), p[0], (int) p[1], (int) p[2], p[3] != 0);
            float[] want = GOLDENS.get(name + ".y").toFloatArray();
            assertArrayEquals(GOLDENS.get(name + ".y").shape(), y.shape(), name + " shape");
            double err = Accuracy.absError(y.toFloatArray(), want);
            assertTrue(err <= 1e-6, name + ": max abs error vs torchvision " + err);
        }
    }

    @Test void resizeMatchesTorchInterpolate() {
        for (String name : new String[] {"resize_a", "resize_b", "resize_c", "resize_d", "resize_e"}) {
            float[] p = GOLDENS.get(name + ".params").toFloatArray();
            Tensor y = CPU.resizeBilinear(GOLDENS.get(name + ".x"), (int) p[0], (int) p[1], p[2] != 0);
            assertArrayEquals(GOLDENS.get(name + ".y").shape(), y.shape(), name + " shape");
            double err = Accuracy.absError(y.toFloatArray(), GOLDENS.get(name + ".y").toFloatArray());
            assertTrue(err <= 1e-6, name + ": max abs error vs torch " + err);
        }
    }

    @Test void resizeMatchesDoubleReference() {
        int[][] sizes = {{5, 13, 7, 29, 3}, {3, 31, 17, 9, 12}, {2, 16, 16, 128, 128}};
        for (int[] s : sizes)
            for (boolean align : new boolean[] {false, true}) {
                Tensor x = Accuracy.random(s[1] * 31L + s[2], 2f, s[0], s[1], s[2]);
                Tensor y = CPU.resizeBilinear(x, s[3], s[4], align);
                double err = Accuracy.relError(y.toFloatArray(), resizeReference(x, s[3], s[4], align));
                assertTrue(err < 2e-6, "resize " + java.util.Arrays.toString(s) + " align " + align + ": rel error " + err);
            }
    }

    @Test void resizeCopiesAnEqualAxisExactly() {
        Tensor x = Accuracy.random(7, 3f, 2, 9, 14);
        Tensor y = CPU.resizeBilinear(x, 9, 14, false);
        assertArrayEquals(x.toFloatArray(), y.toFloatArray());
    }

    @Test void resizeAcceptsAStridedView() {
        Tensor base = Accuracy.random(8, 1f, 6, 10, 12);
        Tensor view = base.slice(0, 2, 5).slice(2, 1, 11);      // [3,10,10], not contiguous
        float[] got = CPU.resizeBilinear(view, 21, 4, true).toFloatArray();
        double err = Accuracy.relError(got, resizeReference(view.toF32(), 21, 4, true));
        assertTrue(err < 2e-6, "strided view: rel error " + err);
    }

    @Test void roiAlignMatchesDoubleReference() {
        Tensor x = Accuracy.random(11, 1f, 7, 23, 19);
        float[] corners = {1.5f, 2f, 30f, 40f, -3f, -2f, 12.25f, 9.5f, 0f, 0f, 37f, 45f, 20f, 20f, 20.5f, 20.25f, 50f, 60f, 70f, 80f};
        Tensor boxes = Tensor.ofFloats(corners, 5, 4);
        for (boolean aligned : new boolean[] {true, false}) {
            Tensor y = CPU.roiAlign(x, boxes, 0.5f, 14, 2, aligned);
            double err = Accuracy.relError(y.toFloatArray(), roiAlignReference(x, corners, 0.5, 14, 2, aligned));
            assertTrue(err < 1e-5, "roiAlign aligned=" + aligned + ": rel error " + err);
        }
    }

    @Test void roiAlignWithNoBoxesGivesAnEmptyTensor() {
        Tensor y = CPU.roiAlign(Accuracy.random(1, 1f, 3, 4, 4), Tensor.ofFloats(new float[0], 0, 4), 1f, 14, 2, true);
        assertArrayEquals(new int[] {0, 3, 14, 14}, y.shape());
    }

    /** torch's formula in double: src index, floor, clamp of the upper tap, linear weights. */
    static double[] resizeReference(Tensor x, int outH, int outW, boolean align) {
        int c = x.dim(0), h = x.dim(1), w = x.dim(2);
        float[] in = x.toFloatArray();
        double[] out = new double[c * outH * outW];
        for (int ch = 0; ch < c; ch++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++) {
                    double sy = source(oy, h, outH, align), sx = source(ox, w, outW, align);
                    int y0 = (int) Math.floor(sy), x0 = (int) Math.floor(sx);
                    int y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
                    double ly = sy - y0, lx = sx - x0;
                    double top = (1 - lx) * in[(ch * h + y0) * w + x0] + lx * in[(ch * h + y0) * w + x1];
                    double bottom = (1 - lx) * in[(ch * h + y1) * w + x0] + lx * in[(ch * h + y1) * w + x1];
                    out[(ch * outH + oy) * outW + ox] = (1 - ly) * top + ly * bottom;
                }
        return out;
    }

    private static double source(int dst, int in, int out, boolean align) {
        if (in == out) return dst;
        if (align) return out > 1 ? dst * (in - 1.0) / (out - 1.0) : 0;
        return Math.max((dst + 0.5) * in / out - 0.5, 0);
    }

    /** torchvision's RoIAlign (avg, fixed sampling ratio) in double, one sample at a time. */
    static double[] roiAlignReference(Tensor x, float[] boxes, double scale, int out, int ratio, boolean aligned) {
        int c = x.dim(0), h = x.dim(1), w = x.dim(2), k = boxes.length / 4;
        float[] in = x.toFloatArray();
        double[] y = new double[k * c * out * out];
        double off = aligned ? 0.5 : 0;
        for (int b = 0; b < k; b++) {
            double x0 = boxes[4 * b] * scale - off, y0 = boxes[4 * b + 1] * scale - off;
            double bw = boxes[4 * b + 2] * scale - off - x0, bh = boxes[4 * b + 3] * scale - off - y0;
            if (!aligned) { bw = Math.max(bw, 1); bh = Math.max(bh, 1); }
            bw /= out; bh /= out;
            for (int ch = 0; ch < c; ch++)
                for (int ph = 0; ph < out; ph++)
                    for (int pw = 0; pw < out; pw++) {
                        double acc = 0;
                        for (int iy = 0; iy < ratio; iy++)
                            for (int ix = 0; ix < ratio; ix++) {
                                double sy = y0 + ph * bh + (iy + 0.5) * bh / ratio, sx = x0 + pw * bw + (ix + 0.5) * bw / ratio;
                                acc += sample(in, ch, h, w, sy, sx);
                            }
                        y[((b * c + ch) * out + ph) * out + pw] = acc / (ratio * ratio);
                    }
        }
        return y;
    }

    private static double sample(float[] in, int ch, int h, int w, double y, double x) {
        if (y < -1 || y > h || x < -1 || x > w) return 0;
        y = Math.max(y, 0); x = Math.max(x, 0);
        int yl = (int) y, xl = (int) x, yh, xh;
        if (yl >= h - 1) { yl = yh = h - 1; y = yl; } else yh = yl + 1;
        if (xl >= w - 1) { xl = xh = w - 1; x = xl; } else xh = xl + 1;
        double ly = y - yl, lx = x - xl;
        int base = ch * h * w;
        return (1 - ly) * ((1 - lx) * in[base + yl * w + xl] + lx * in[base + yl * w + xh])
                + ly * ((1 - lx) * in[base + yh * w + xl] + lx * in[base + yh * w + xh]);
    }
}
