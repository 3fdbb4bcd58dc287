package org.gpt4roi.kernels.cpu;

import org.gpt4roi.tensor.Tensor;

/** TODO(helper): implementation pending. */
final class CpuSpatial {
    private CpuSpatial() {}
    static Tensor resizeBilinear(Parallel par, Tensor x, int outH, int outW, boolean alignCorners) { throw new UnsupportedOperationException("not implemented yet"); }
    static Tensor roiAlign(Parallel par, Tensor x, Tensor boxes, float spatialScale, int outSize, int samplingRatio, boolean aligned) { throw new UnsupportedOperationException("not implemented yet"); }
}
