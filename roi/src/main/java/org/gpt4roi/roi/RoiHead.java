package org.gpt4roi.roi;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;

/**
 * The per-box part of the region module ({@code model.spi_module.roi_align.*}); all K boxes run as one batch.
 * <pre>
 * boxes_norm [K,4] ─×224─▶ rois ─RoIAlign on fused[l] (scale 8/14 … 1/14, 14×14 bins, 2×2 samples, aligned)─▶ roi[l] [K,C,14,14]
 *   ─pconvs[0](roi[0]) + … + pconvs[3](roi[3])  (3×3, bias)─▶ ReLU ─▶ [K,C,14,14]
 *   ─flatten (c,y,x)─▶ [K,C·196] ─flatten_linear─▶ flat [K,C]
 * boxes_norm [K,4] ─Linear 4→P, ReLU, LN─▶ [K,P] ─Linear P→C, ReLU, LN─▶ pos [K,C]      (pos_embedd)
 * flat + pos ─updims─▶ region embeddings [K,D]
 * </pre>
 */
final class RoiHead {
    private final RegionConfig cfg;
    private final Backend backend;
    private final Tensor[] pconvW, pconvB;       // per level: [C, C, 3, 3], [C]
    private final Tensor flattenW, flattenB;     // [C, C·196], [C]
    private final Tensor pos0W, pos0B;           // Linear 4 → P: [P, 4], [P]
    private final Tensor pos2W, pos2B;           // LayerNorm [P]
    private final Tensor pos3W, pos3B;           // Linear P → C: [C, P], [C]
    private final Tensor pos5W, pos5B;           // LayerNorm [C]
    private final Tensor updimsW, updimsB;       // [D, C], [D]

    RoiHead(RegionConfig cfg, SpiWeights weights) {
        this.cfg = cfg;
        this.backend = weights.backend();
        int c = cfg.embedDims(), p = cfg.posHiddenDims(), d = cfg.hiddenSize(), levels = cfg.numLevels();
        pconvW = new Tensor[levels];
        pconvB = new Tensor[levels];
        for (int l = 0; l < levels; l++) {
            pconvW[l] = weights.matrix("roi_align.pconvs." + l + ".weight", c, c, 3, 3);
            pconvB[l] = weights.vector("roi_align.pconvs." + l + ".bias", c);
        }
        flattenW = weights.matrix("roi_align.flatten_linear.weight", c, cfg.flatDims());
        flattenB = weights.vector("roi_align.flatten_linear.bias", c);
        pos0W = weights.matrix("roi_align.pos_embedd.0.weight", p, 4);
        pos0B = weights.vector("roi_align.pos_embedd.0.bias", p);
        pos2W = weights.vector("roi_align.pos_embedd.2.weight", p);
        pos2B = weights.vector("roi_align.pos_embedd.2.bias", p);
        pos3W = weights.matrix("roi_align.pos_embedd.3.weight", c, p);
        pos3B = weights.vector("roi_align.pos_embedd.3.bias", c);
        pos5W = weights.vector("roi_align.pos_embedd.5.weight", c);
        pos5B = weights.vector("roi_align.pos_embedd.5.bias", c);
        updimsW = weights.matrix("roi_align.updims.weight", d, c);
        updimsB = weights.vector("roi_align.updims.bias", d);
    }

    /** Normalised boxes {@code [K][4]} → region embeddings {@code [K,D]}; K = 0 gives {@code [0,D]}. */
    Tensor embed(FusedPyramid pyramid, float[][] boxesNorm, Probe probe) {
        int k = boxesNorm.length;
        if (k == 0) return backend.zeros(0, cfg.hiddenSize());
        Tensor boxes = backend.upload(boxTensor(boxesNorm, 1));                   // [K,4], 0..1
        Tensor rois = backend.upload(boxTensor(boxesNorm, cfg.roiBoxScale()));    // [K,4], 224-px units

        Tensor features = null;                                                    // [K,C,14,14]
        for (int l = 0; l < cfg.numLevels(); l++) {
            Tensor roi = backend.roiAlign(pyramid.level(l), rois, (float) cfg.spatialScale(l),
                    cfg.roiOutputSize(), cfg.roiSamplingRatio(), cfg.roiAligned());
            probe.accept("spi.roi." + l, roi);
            Tensor conv = backend.conv2d(roi, pconvW[l], pconvB[l], 1, 1);
            if (features == null) features = conv; else backend.add(features, conv);
        }
        backend.relu(features);
        probe.accept("spi.pconv_relu", features);

        Tensor flat = backend.linear(features.reshape(k, cfg.flatDims()), flattenW, flattenB);   // [K,C]
        probe.accept("spi.flat", flat);
        Tensor pos = positionEmbedding(boxes);                                                   // [K,C]
        probe.accept("spi.pos", pos);
        backend.add(flat, pos);
        Tensor out = backend.linear(flat, updimsW, updimsB);                                     // [K,D]
        probe.accept("region_embeddings", out);
        return out;
    }

    /** pos_embedd: {@code [K,4]} → Linear, ReLU, LN → {@code [K,P]} → Linear, ReLU, LN → {@code [K,C]}. */
    private Tensor positionEmbedding(Tensor boxes) {
        Tensor h = backend.linear(boxes, pos0W, pos0B);
        backend.relu(h);
        h = backend.layerNorm(h, pos2W, pos2B, cfg.lnEps());
        h = backend.linear(h, pos3W, pos3B);
        backend.relu(h);
        return backend.layerNorm(h, pos5W, pos5B, cfg.lnEps());
    }

    /** Host {@code [K,4]} of {@code box · scale}, each product in float32. */
    private static Tensor boxTensor(float[][] boxesNorm, float scale) {
        float[] v = new float[boxesNorm.length * 4];
        for (int i = 0; i < boxesNorm.length; i++) {
            if (boxesNorm[i].length != 4)
                throw new IllegalArgumentException("normalised box " + (i + 1) + " has " + boxesNorm[i].length + " values, expected x1,y1,x2,y2");
            for (int j = 0; j < 4; j++) v[i * 4 + j] = boxesNorm[i][j] * scale;
        }
        return Tensor.ofFloats(v, boxesNorm.length, 4);
    }
}
