package org.gpt4roi.vit;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Tensor;

/**
 * The demo's image preprocessing (CLIPImageProcessor without center crop, then a squash):
 * <pre>
 * RgbImage [H,W] ─ PIL bicubic, short side → 224, long side ⌊224·long/short⌋ ─▶ u8 [h,w] (resizeShortSide)
 *   ─ v = float32(u8 · (1/255)), x = (v − mean) / std in float32, CHW ─▶ [3,h,w]
 *   ─ bilinear, align_corners=false ─▶ pixel values [3,224,224] (aspect ratio not kept)
 * </pre>
 */
public final class ClipPreprocessor {
    private ClipPreprocessor() {}

    /** Side of the square the vision tower sees; also the short side after the first resize. */
    public static final int SIZE = 224;
    /** CLIP's per-channel normalisation. */
    static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /** A one-thread cpu backend for the squash: the input is a small host tensor, and the result must be one. */
    private static final class Host {
        static final Backend CPU = Backends.create("cpu", 1, 0);
    }

    /** The normalised image, host F32 {@code [3, 224, 224]}. */
    public static Tensor pixelValues(RgbImage image) {
        Tensor chw = normalise(resizeShortSide(image));                       // [3, h, w]
        Tensor squashed = Host.CPU.resizeBilinear(chw, SIZE, SIZE, false);    // [3, 224, 224]
        return Host.CPU.download(squashed);
    }

    /**
     * PIL bicubic resize so the short side is 224 and the long side {@code int(224·long/short)};
     * an image whose short side is already 224 is returned as it is.
     */
    public static RgbImage resizeShortSide(RgbImage image) {
        int w = image.width(), h = image.height();
        int shortSide = Math.min(w, h), longSide = Math.max(w, h);
        double newLong = Math.floor((double) SIZE * longSide / shortSide);
        if (newLong > RgbImage.MAX_PIXELS / SIZE)
            throw new InputException("a " + w + "×" + h + " image is too elongated: resizing its short side to "
                    + SIZE + " px would make the long side " + (long) newLong + " px");
        return w <= h ? PilBicubic.resize(image, SIZE, (int) newLong) : PilBicubic.resize(image, (int) newLong, SIZE);
    }

    /** u8 [h, w, 3] → host F32 [3, h, w]: {@code (float32(u8·(1/255)) − mean) / std}, every step in float32 as numpy does. */
    static Tensor normalise(RgbImage image) {
        int w = image.width(), h = image.height(), plane = w * h;
        byte[] rgb = image.data();
        float[] chw = new float[3 * plane];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < plane; i++) {
                float v = (float) ((rgb[i * 3 + c] & 0xFF) * (1.0 / 255));
                chw[c * plane + i] = (v - MEAN[c]) / STD[c];
            }
        return Tensor.ofFloats(chw, 3, h, w);
    }
}
