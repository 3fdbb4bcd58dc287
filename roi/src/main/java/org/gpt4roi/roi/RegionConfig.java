package org.gpt4roi.roi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.gpt4roi.tensor.ConfigException;

/**
 * Sizes of the region feature extractor ({@code model.spi_module.*}), from the {@code spi_module}
 * object of the model's {@code config.json}. The released config has no such object, so every key
 * defaults to the released GPT4RoI-7B. The geometry tied to the 224-px CLIP input with 14-px patches
 * (four levels of 128/64/32/16 px, RoIAlign scales 8/14..1/14, 14×14 bins, 2×2 samples, aligned,
 * boxes ×224) is fixed: a config that contradicts it is a {@link ConfigException}.
 *
 * @param embedDims        C: width of the module = CLIP width (also the width of flatten_linear and pos_embedd)
 * @param shuffleChannels  S: channels each level takes from each neighbour per fuse round (default C/4)
 * @param gnGroups         G: GroupNorm groups of the fuse convs (default 64)
 * @param gnEps            GroupNorm epsilon
 * @param lnEps            LayerNorm epsilon of pos_embedd
 * @param posHiddenDims    P: hidden width of pos_embedd (default 256)
 * @param numLevels        pyramid levels (4)
 * @param numFuse          fuse rounds (5)
 * @param pyramidSizes     map side per level, shallow → deep (128, 64, 32, 16)
 * @param spatialScales    RoIAlign scale per level (8/14, 4/14, 2/14, 1/14)
 * @param roiOutputSize    RoIAlign bins per side (14)
 * @param roiSamplingRatio RoIAlign samples per bin and axis (2)
 * @param roiAligned       RoIAlign half-pixel offset (true)
 * @param roiBoxScale      factor from normalised boxes to RoIAlign coordinates (224)
 * @param hiddenSize       D: LLM width, the output width of updims
 */
public record RegionConfig(int embedDims, int shuffleChannels, int gnGroups, float gnEps, float lnEps,
                           int posHiddenDims, int numLevels, int numFuse, List<Integer> pyramidSizes,
                           List<Double> spatialScales, int roiOutputSize, int roiSamplingRatio,
                           boolean roiAligned, int roiBoxScale, int hiddenSize) {

    /** Side of the CLIP patch grid (224 px / 14 px); each level arrives as [1 + GRID², C]. */
    public static final int GRID = 16;

    private static final List<Integer> PYRAMID_SIZES = List.of(128, 64, 32, 16);
    private static final List<Double> SPATIAL_SCALES = List.of(8.0 / 14, 4.0 / 14, 2.0 / 14, 1.0 / 14);
    private static final Set<String> KEYS = new TreeSet<>(List.of(
            "embed_dims", "shuffle_channels", "gn_num_groups", "gn_eps", "ln_eps", "pos_hidden_dims",
            "num_levels", "num_fuse", "pyramid_sizes", "spatial_scales", "roi_output_size",
            "roi_sampling_ratio", "roi_aligned", "roi_box_scale"));

    public RegionConfig {
        pyramidSizes = List.copyOf(pyramidSizes);
        spatialScales = List.copyOf(spatialScales);
        positive("embed_dims", embedDims);
        positive("shuffle_channels", shuffleChannels);
        positive("gn_num_groups", gnGroups);
        positive("pos_hidden_dims", posHiddenDims);
        positive("num_fuse", numFuse);
        if (hiddenSize <= 0) throw new ConfigException("config.json: hidden_size must be positive, found " + hiddenSize);
        if (2 * shuffleChannels >= embedDims)
            throw new ConfigException("config.json: spi_module.shuffle_channels = " + shuffleChannels
                    + " leaves no channels of embed_dims = " + embedDims + " to keep (needs 2·S < C; the default is C/4)");
        if (embedDims % gnGroups != 0)
            throw new ConfigException("config.json: spi_module.gn_num_groups = " + gnGroups + " does not divide embed_dims = "
                    + embedDims + "; set spi_module.gn_num_groups to a divisor (the released model uses 64)");
        if (!(gnEps > 0) || !(lnEps > 0))
            throw new ConfigException("config.json: spi_module.gn_eps and ln_eps must be positive, found " + gnEps + " and " + lnEps);
        fixed("num_levels", numLevels, PYRAMID_SIZES.size());
        fixed("pyramid_sizes", pyramidSizes, PYRAMID_SIZES);
        fixed("roi_output_size", roiOutputSize, 14);
        fixed("roi_sampling_ratio", roiSamplingRatio, 2);
        fixed("roi_aligned", roiAligned, true);
        fixed("roi_box_scale", roiBoxScale, 224);
        boolean scalesMatch = spatialScales.size() == SPATIAL_SCALES.size();
        for (int l = 0; scalesMatch && l < spatialScales.size(); l++)
            scalesMatch = Math.abs(spatialScales.get(l) - SPATIAL_SCALES.get(l)) <= 1e-9 * SPATIAL_SCALES.get(l);
        if (!scalesMatch) fixed("spatial_scales", spatialScales, SPATIAL_SCALES);
    }

    /**
     * Reads the {@code spi_module} object of config.json; {@code null} or a missing node gives the
     * released model's sizes for this CLIP width. Unknown keys, wrong types and values that contradict
     * the fixed geometry are {@link ConfigException}s naming the key.
     */
    public static RegionConfig fromJson(JsonNode spiModuleOrNull, int clipWidth, int hiddenSize) {
        JsonNode spi = spiModuleOrNull;
        if (spi != null && !spi.isMissingNode() && !spi.isNull() && !spi.isObject())
            throw new ConfigException("config.json: spi_module must be an object, found " + spi.getNodeType());
        if (spi != null && spi.isObject()) {
            List<String> unknown = new ArrayList<>();
            spi.fieldNames().forEachRemaining(k -> { if (!KEYS.contains(k)) unknown.add(k); });
            if (!unknown.isEmpty())
                throw new ConfigException("config.json: unknown keys in spi_module: " + String.join(", ", unknown)
                        + "; known keys: " + String.join(", ", KEYS));
        } else {
            spi = null;
        }
        int c = intOr(spi, "embed_dims", clipWidth);
        if (c != clipWidth)
            throw new ConfigException("config.json: spi_module.embed_dims = " + c + " differs from the CLIP width "
                    + clipWidth + " (mm_hidden_size); the region module reads CLIP hidden states, so they must agree");
        return new RegionConfig(c,
                intOr(spi, "shuffle_channels", c / 4),
                intOr(spi, "gn_num_groups", 64),
                (float) doubleOr(spi, "gn_eps", 1e-5),
                (float) doubleOr(spi, "ln_eps", 1e-5),
                intOr(spi, "pos_hidden_dims", 256),
                intOr(spi, "num_levels", PYRAMID_SIZES.size()),
                intOr(spi, "num_fuse", 5),
                listOr(spi, "pyramid_sizes", PYRAMID_SIZES, RegionConfig::asInt),
                listOr(spi, "spatial_scales", SPATIAL_SCALES, RegionConfig::asDouble),
                intOr(spi, "roi_output_size", 14),
                intOr(spi, "roi_sampling_ratio", 2),
                boolOr(spi, "roi_aligned", true),
                intOr(spi, "roi_box_scale", 224),
                hiddenSize);
    }

    /** R = C − 2S: channels a level keeps from itself in each fuse round. */
    public int remainChannels() { return embedDims - 2 * shuffleChannels; }

    /** Side of the level-l map. */
    public int pyramidSize(int level) { return pyramidSizes.get(level); }

    /** RoIAlign scale of level l (map pixels per 224-px unit). */
    public double spatialScale(int level) { return spatialScales.get(level); }

    /** Length of a flattened RoI feature: C·14·14. */
    public int flatDims() { return embedDims * roiOutputSize * roiOutputSize; }

    // ---------------------------------------------------------------- json readers

    private static int intOr(JsonNode spi, String key, int dflt) {
        JsonNode v = spi == null ? null : spi.get(key);
        return v == null ? dflt : asInt(key, v);
    }

    private static double doubleOr(JsonNode spi, String key, double dflt) {
        JsonNode v = spi == null ? null : spi.get(key);
        return v == null ? dflt : asDouble(key, v);
    }

    private static boolean boolOr(JsonNode spi, String key, boolean dflt) {
        JsonNode v = spi == null ? null : spi.get(key);
        if (v == null) return dflt;
        if (!v.isBoolean()) throw new ConfigException("config.json: spi_module." + key + " must be true or false, found " + v);
        return v.booleanValue();
    }

    private interface Element<T> { T read(String key, JsonNode v); }

    private static <T> List<T> listOr(JsonNode spi, String key, List<T> dflt, Element<T> element) {
        JsonNode v = spi == null ? null : spi.get(key);
        if (v == null) return dflt;
        if (!v.isArray()) throw new ConfigException("config.json: spi_module." + key + " must be a list, found " + v);
        List<T> out = new ArrayList<>();
        for (JsonNode e : v) out.add(element.read(key, e));
        return out;
    }

    private static int asInt(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new ConfigException("config.json: spi_module." + key + " must be an integer, found " + v);
        return v.intValue();
    }

    private static double asDouble(String key, JsonNode v) {
        if (!v.isNumber()) throw new ConfigException("config.json: spi_module." + key + " must be a number, found " + v);
        return v.doubleValue();
    }

    // ---------------------------------------------------------------- checks

    private static void positive(String key, int value) {
        if (value <= 0) throw new ConfigException("config.json: spi_module." + key + " must be positive, found " + value);
    }

    private static void fixed(String key, Object value, Object required) {
        if (!value.equals(required))
            throw new ConfigException("config.json: spi_module." + key + " = " + value + " contradicts the fixed geometry of "
                    + "GPT4RoI (" + required + " for a 224-px CLIP with 14-px patches); remove the key or set it to " + required);
    }
}
