package org.gpt4roi.roi;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;

/**
 * GPT4RoI's region feature extractor ({@code model.spi_module}): the four CLIP hidden states of an
 * image and any number of boxes give one LLM-width vector per box.
 * <pre>
 * hidden states 14, 17, 20, 23: 4 × [257,C] ─fuse (once per image)─▶ FusedPyramid: 4 × [C,S_l,S_l]
 * FusedPyramid + boxes_norm [K,4] ─embed (all boxes batched)─▶ region embeddings [K,D]
 * </pre>
 * {@link MultiLevelFuse} does the first step, {@link RoiHead} the second. Splitting them lets a
 * conversation fuse an image once and embed the boxes of each turn from the same pyramid.
 */
public final class RegionExtractor {
    private final RegionConfig config;
    private final MultiLevelFuse fuse;
    private final RoiHead head;

    /** Binds the {@code model.spi_module.*} weights of {@code modelWeights} to {@code backend}, checking every shape. */
    public RegionExtractor(RegionConfig config, SafeTensors modelWeights, Backend backend) {
        SpiWeights weights = new SpiWeights(modelWeights, backend);
        this.config = config;
        this.fuse = new MultiLevelFuse(config, weights);
        this.head = new RoiHead(config, weights);
    }

    public RegionConfig config() { return config; }

    /**
     * Builds and fuses the feature pyramid of one image.
     *
     * @param levels four backend tensors {@code [257,C]} (CLS first): CLIP hidden states 14, 17, 20, 23
     * @param probe  receives {@code spi.pyramid_in.{l}} and {@code spi.fused.{l}}
     */
    public FusedPyramid fuse(Tensor[] levels, Probe probe) {
        return fuse.fuse(levels, probe);
    }

    /**
     * One region embedding per box.
     *
     * @param boxesNorm {@code [K][4]} boxes x1,y1,x2,y2 normalised by the original image size ({@link Box#normalised})
     * @param probe     receives {@code spi.roi.{l}}, {@code spi.pconv_relu}, {@code spi.flat}, {@code spi.pos}
     *                  and {@code region_embeddings}
     * @return a backend tensor {@code [K,D]}; {@code [0,D]} when there are no boxes
     */
    public Tensor embed(FusedPyramid pyramid, float[][] boxesNorm, Probe probe) {
        return head.embed(pyramid, boxesNorm, probe);
    }
}
