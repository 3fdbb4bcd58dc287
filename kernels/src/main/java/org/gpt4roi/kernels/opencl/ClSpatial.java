package org.gpt4roi.kernels.opencl;

import static org.gpt4roi.kernels.opencl.OpenClBackend.require;
import static org.gpt4roi.kernels.opencl.OpenClBackend.shape;

import org.gpt4roi.tensor.Tensor;

/** Bilinear resize and RoIAlign of {@code x[C, H, W]}, one work item per output element, on the kernels of spatial.cl. */
final class ClSpatial {
    private ClSpatial() {}

    private static final long[] WG = {64, 1, 1};

    static Tensor resizeBilinear(OpenClBackend b, Tensor x, int outH, int outW, boolean alignCorners) {
        x = b.f32(x);
        require(x.rank() == 3, "resizeBilinear", "x must be [C, H, W], not " + shape(x));
        int c = x.dim(0), h = x.dim(1), w = x.dim(2);
        require(outH > 0 && outW > 0 && h > 0 && w > 0, "resizeBilinear", "sizes " + shape(x) + " → " + outH + "×" + outW);
        Tensor y = b.newTensor(c, outH, outW);
        if (c > 0)
            b.launch("spatial", "", "resize_bilinear", new long[] {outW, outH, c}, WG, x, y, c, h, w, outH, outW,
                    alignCorners ? 1 : 0, scale(h, outH, alignCorners), scale(w, outW, alignCorners));
        return y;
    }

    /** PyTorch's source-index scale, in float32 as PyTorch computes it. */
    private static float scale(int in, int out, boolean alignCorners) {
        if (alignCorners) return out > 1 ? (float) (in - 1) / (out - 1) : 0f;
        return (float) in / out;
    }

    static Tensor roiAlign(OpenClBackend b, Tensor x, Tensor boxes, float spatialScale, int outSize, int samplingRatio,
                           boolean aligned) {
        x = b.f32(x);
        boxes = b.f32(boxes);
        require(x.rank() == 3, "roiAlign", "x must be [C, H, W], not " + shape(x));
        require(boxes.rank() == 2 && boxes.dim(1) == 4, "roiAlign", "boxes must be [K, 4], not " + shape(boxes));
        require(outSize > 0 && samplingRatio > 0, "roiAlign", "output size " + outSize + " and sampling ratio " + samplingRatio
                + " must be positive");
        int c = x.dim(0), h = x.dim(1), w = x.dim(2), k = boxes.dim(0);
        Tensor out = b.newTensor(k, c, outSize, outSize);
        if (k > 0 && c > 0)
            b.launch("spatial", "", "roi_align", new long[] {(long) outSize * outSize, c, k}, WG, x, boxes, out,
                    c, h, w, k, outSize, spatialScale, samplingRatio, aligned ? 1 : 0);
        return out;
    }
}
