package org.gpt4roi.model;

import java.util.List;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.llama.LlamaModel;
import org.gpt4roi.llama.Tokenizer;
import org.gpt4roi.roi.Box;
import org.gpt4roi.roi.FusedPyramid;
import org.gpt4roi.roi.RegionExtractor;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.vit.ClipPreprocessor;
import org.gpt4roi.vit.ImageProjector;
import org.gpt4roi.vit.RgbImage;
import org.gpt4roi.vit.VisionTower;
import org.gpt4roi.weights.SafeTensors;

/**
 * GPT4RoI assembled from its three parts.
 *
 * <pre>
 * image ─▶ ClipPreprocessor ─▶ pixel [3,224,224] ─▶ VisionTower ─▶ hs[14,17,20,23] [257,C]
 *     hs[23] ─▶ ImageProjector ─▶ image tokens [256,D]            (once per image)
 *     hs[*]  ─▶ RegionExtractor.fuse ─▶ FusedPyramid               (once per image)
 * boxes (pixels) ─▶ normalised ─▶ RegionExtractor.embed ─▶ region vectors [K,D]
 * ids [T] ─▶ embed_tokens [T,D] ─▶ rows after &lt;im_start&gt; ← image tokens, k-th &lt;bbox&gt; ← its box's vector
 *         ─▶ LlamaModel.forward ─▶ logits [V]
 * </pre>
 */
public final class Gpt4RoiModel implements AutoCloseable {
    public final ModelDirectory dir;
    public final Backend backend;
    public final Tokenizer tokenizer;
    public final LlamaModel llm;
    private final SafeTensors weights;
    private final SafeTensors clipWeights;
    private final VisionTower vision;
    private final ImageProjector projector;
    private final RegionExtractor regions;
    private static final int IMAGE_END_OFFSET = 257;          // <im_end> sits 257 tokens after <im_start>
    private final int imStart, imEnd, imPatch, bbox;

    private Gpt4RoiModel(ModelDirectory dir, Backend backend) {
        this.dir = dir;
        this.backend = backend;
        this.weights = SafeTensors.open(dir.dir());
        this.clipWeights = SafeTensors.open(dir.clipDir());
        this.tokenizer = Tokenizer.load(dir.dir().resolve("tokenizer.model"), dir.dir().resolve("added_tokens.json"));
        this.vision = new VisionTower(dir.clip(), clipWeights, backend);
        this.projector = new ImageProjector(weights, backend, dir.clip().hiddenSize(), dir.llama().hidden());
        this.regions = new RegionExtractor(dir.region(), weights, backend);
        this.llm = new LlamaModel(dir.llama(), weights, backend);
        this.imStart = tokenizer.idOf("<im_start>");
        this.imEnd = tokenizer.idOf("<im_end>");
        this.imPatch = tokenizer.idOf("<im_patch>");
        this.bbox = tokenizer.idOf("<bbox>");
    }

    /** Maps the weights of {@code dir} and prepares every part on {@code backend}. */
    public static Gpt4RoiModel load(ModelDirectory dir, Backend backend) { return new Gpt4RoiModel(dir, backend); }

    /** The once-per-image work: preprocessing, CLIP, image tokens and the fused region pyramid. */
    public ImageContext encodeImage(RgbImage image, Probe probe, StageTimer timer) {
        Tensor pixels = timer.time("image", () -> ClipPreprocessor.pixelValues(image));            // [3,224,224] host
        if (probe.active()) probe.accept("pixel_values", pixels);
        int[] layers = dir.pyramidLayers();
        Tensor[] hs = timer.time("vision", () -> vision.hiddenStates(backend.upload(pixels), layers)); // 4 × [257,C]
        if (probe.active()) for (int i = 0; i < layers.length; i++) probe.accept("vision.hidden_states." + layers[i], hs[i]);
        Tensor imageTokens = timer.time("vision", () -> projector.project(hs[hs.length - 1]));       // [256,D]
        if (probe.active()) probe.accept("image_tokens", imageTokens);
        FusedPyramid pyramid = timer.time("regions", () -> regions.fuse(hs, probe));
        return new ImageContext(image.width(), image.height(), imageTokens, pyramid);
    }

    /** Region vectors {@code [K,D]} of {@code boxes} (pixels of the original image); each box is validated. */
    public Tensor regionVectors(ImageContext img, List<Box> boxes, int firstIndex, Probe probe) {
        float[][] norm = new float[boxes.size()][];
        for (int k = 0; k < boxes.size(); k++) {
            boxes.get(k).validate(firstIndex + k);
            norm[k] = boxes.get(k).normalised(img.width(), img.height());
        }
        if (probe.active()) probe.accept("boxes_norm", Tensor.ofFloats(flatten(norm), norm.length, 4));
        return regions.embed(img.pyramid(), norm, probe);
    }

    /**
     * Input embeddings {@code [T-from, D]} of {@code ids[from..]}: token embeddings with the 256 rows after
     * {@code <im_start>} replaced by the image tokens and each {@code <bbox>} row by the vector of its box
     * ({@code bboxBoxes[k]} for the k-th {@code <bbox>} of the whole sequence).
     */
    public Tensor inputsEmbeds(int[] ids, int from, ImageContext img, Tensor regionVectors, List<Integer> bboxBoxes) {
        int[] tail = java.util.Arrays.copyOfRange(ids, from, ids.length);
        Tensor e = llm.embed(tail);                                                                  // [T-from, D]
        int start = -1, bboxSeen = 0;
        for (int p = 0; p < ids.length; p++) {
            if (ids[p] == imStart) {
                if (start >= 0) throw new InputException("the prompt holds more than one <im_start>");
                start = p;
                if (p + IMAGE_END_OFFSET >= ids.length || ids[p + IMAGE_END_OFFSET] != imEnd)
                    throw new InputException("<im_start> at token " + p + " is not followed by 256 <im_patch> and <im_end>");
                for (int j = 1; j <= 256; j++)
                    if (ids[p + j] != imPatch) throw new InputException("token " + (p + j) + " should be <im_patch>");
            } else if (ids[p] == bbox) {
                if (bboxSeen >= bboxBoxes.size())
                    throw new InputException("the prompt holds more <bbox> tokens than boxes it names");
                if (p >= from) {
                    int box = bboxBoxes.get(bboxSeen);
                    backend.copy(regionVectors.slice(0, box, box + 1), e.slice(0, p - from, p - from + 1));
                }
                bboxSeen++;
            }
        }
        if (bboxSeen != bboxBoxes.size())
            throw new InputException("the prompt holds " + bboxSeen + " <bbox> tokens but names " + bboxBoxes.size() + " boxes");
        if (start >= 0) {                                  // rows start+1 .. start+256 that lie in [from, T)
            int lo = Math.max(start + 1, from), hi = Math.min(start + 257, ids.length);
            if (lo < hi) backend.copy(img.imageTokens().slice(0, lo - start - 1, hi - start - 1), e.slice(0, lo - from, hi - from));
        }
        return e;
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * 4];
        for (int k = 0; k < rows.length; k++) System.arraycopy(rows[k], 0, out, 4 * k, 4);
        return out;
    }

    @Override public void close() {
        weights.close();
        clipWeights.close();
    }
}
