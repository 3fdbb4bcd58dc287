package org.gpt4roi.roi;

import java.util.List;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.ConfigException;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;

/**
 * The pyramid and fuse part of the region module ({@code model.spi_module.mlvl_fuse.*}), run once per image.
 * <pre>
 * hidden state l [257,C] ─drop CLS─▶ [256,C] ─as [C,16,16]─▶ bilinear, align corners ─▶ pyramid_in[l] [C,S_l,S_l]
 *   ─append x, y coordinate maps─▶ [C+2,S_l,S_l] ─input_conv[l] 1×1─▶ X[l] [C,S_l,S_l]
 * fuse round r (every level from the previous round's maps; top = min(l+1,3), down = max(l-1,0)):
 *   cat[l] = [ X[l][0:R] | resize(X[top][R+S:C]) | resize(X[down][R:R+S]) ]      [C,S_l,S_l]
 *   X[l]   ← ReLU(GroupNorm_G(conv3×3_r(cat[l])))        one bias-free conv per round, shared by the levels
 * fused[l] = X[l] after the last round
 * </pre>
 * S_l = map side (128, 64, 32, 16); S = shuffle channels taken from each neighbour, R = C − 2S kept from the
 * level itself; resize = bilinear, align corners.
 */
final class MultiLevelFuse {
    private final RegionConfig cfg;
    private final Backend backend;
    private final Tensor[] inputConvW, inputConvB; // per level: [C, C+2, 1, 1], [C]
    private final Tensor[] convW, gnW, gnB;        // per round: [C, C, 3, 3], [C], [C]
    private final Tensor[] coordinates;            // per level: [2, S_l, S_l], x then y

    MultiLevelFuse(RegionConfig cfg, SpiWeights weights) {
        this.cfg = cfg;
        this.backend = weights.backend();
        int c = cfg.embedDims(), levels = cfg.numLevels(), rounds = cfg.numFuse();
        inputConvW = new Tensor[levels];
        inputConvB = new Tensor[levels];
        coordinates = new Tensor[levels];
        for (int l = 0; l < levels; l++) {
            inputConvW[l] = weights.matrix("mlvl_fuse.input_conv." + l + ".weight", c, c + 2, 1, 1);
            inputConvB[l] = weights.vector("mlvl_fuse.input_conv." + l + ".bias", c);
            coordinates[l] = backend.upload(coordinateMaps(cfg.pyramidSize(l)));
        }
        convW = new Tensor[rounds];
        gnW = new Tensor[rounds];
        gnB = new Tensor[rounds];
        for (int r = 0; r < rounds; r++) {
            convW[r] = weights.matrix("mlvl_fuse.fuse_convs." + r + ".conv.weight", c, c, 3, 3);
            gnW[r] = weights.vector("mlvl_fuse.fuse_convs." + r + ".gn.weight", c);
            gnB[r] = weights.vector("mlvl_fuse.fuse_convs." + r + ".gn.bias", c);
        }
    }

    /** Four hidden states {@code [257,C]} (CLS first, shallow → deep) → the fused pyramid. */
    FusedPyramid fuse(Tensor[] hiddenStates, Probe probe) {
        int levels = cfg.numLevels();
        if (hiddenStates.length != levels)
            throw new IllegalArgumentException("the region module takes " + levels + " hidden states, got " + hiddenStates.length);
        Tensor[] x = new Tensor[levels];
        for (int l = 0; l < levels; l++) {
            Tensor pyramidIn = pyramidLevel(hiddenStates[l], l);           // [C,S,S]
            probe.accept("spi.pyramid_in." + l, pyramidIn);
            x[l] = inputConv(pyramidIn, l);                                // [C,S,S]
        }
        for (int r = 0; r < cfg.numFuse(); r++) x = fuseRound(x, r);
        for (int l = 0; l < levels; l++) probe.accept("spi.fused." + l, x[l]);
        return new FusedPyramid(List.of(x));
    }

    /** Tokens {@code [257,C]} (CLS first, token t = row·16 + col) → {@code [C,S_l,S_l]}. */
    private Tensor pyramidLevel(Tensor hidden, int l) {
        int g = RegionConfig.GRID, c = cfg.embedDims(), s = cfg.pyramidSize(l);
        if (hidden.rank() != 2 || hidden.dim(0) != 1 + g * g || hidden.dim(1) != c)
            throw new ConfigException("region module: hidden state of level " + l + " has shape " + java.util.Arrays.toString(hidden.shape())
                    + ", expected [" + (1 + g * g) + ", " + c + "] (a 224-px CLIP with 14-px patches and width embed_dims)");
        Tensor grid = backend.contiguous(hidden).slice(0, 1, 1 + g * g)
                .reshape(g, g, c).transpose(0, 2).transpose(1, 2);        // [C, y, x] view
        return backend.resizeBilinear(backend.contiguous(grid), s, s, true);
    }

    /** {@code [C,S,S]} → append the coordinate maps → {@code [C+2,S,S]} → 1×1 input_conv → {@code [C,S,S]}. */
    private Tensor inputConv(Tensor pyramidIn, int l) {
        int c = cfg.embedDims(), s = cfg.pyramidSize(l);
        Tensor withCoords = backend.zeros(1, c + 2, s, s);
        Tensor channels = withCoords.reshape(c + 2, s, s);
        backend.copy(pyramidIn, channels.slice(0, 0, c));
        backend.copy(coordinates[l], channels.slice(0, c, c + 2));
        return backend.conv2d(withCoords, inputConvW[l], inputConvB[l], 1, 0).reshape(c, s, s);
    }

    /** One fuse round over all levels, reading only the previous round's maps. */
    private Tensor[] fuseRound(Tensor[] x, int r) {
        int levels = x.length, c = cfg.embedDims(), shuffle = cfg.shuffleChannels(), keep = cfg.remainChannels();
        Tensor[] next = new Tensor[levels];
        for (int l = 0; l < levels; l++) {
            int s = cfg.pyramidSize(l);
            Tensor top = x[Math.min(l + 1, levels - 1)], down = x[Math.max(l - 1, 0)];
            Tensor cat = backend.zeros(1, c, s, s);
            Tensor channels = cat.reshape(c, s, s);
            backend.copy(x[l].slice(0, 0, keep), channels.slice(0, 0, keep));
            backend.copy(resized(top.slice(0, keep + shuffle, c), s), channels.slice(0, keep, keep + shuffle));
            backend.copy(resized(down.slice(0, keep, keep + shuffle), s), channels.slice(0, keep + shuffle, c));
            Tensor conv = backend.conv2d(cat, convW[r], null, 1, 1);                          // [1,C,S,S]
            Tensor norm = backend.groupNorm(conv.reshape(1, c, s * s), cfg.gnGroups(), gnW[r], gnB[r], cfg.gnEps());
            backend.relu(norm);
            next[l] = norm.reshape(c, s, s);
        }
        return next;
    }

    /** {@code x[n,h,h]} resized to {@code [n,s,s]} (bilinear, align corners); the same view when h = s. */
    private Tensor resized(Tensor x, int s) {
        return x.dim(1) == s ? x : backend.resizeBilinear(x, s, s, true);
    }

    /** Host {@code [2,S,S]}: channel 0 = x_j = −1 + 2j/(S−1) across columns, channel 1 = y_i down rows (double, then float). */
    private static Tensor coordinateMaps(int s) {
        float[] map = new float[2 * s * s];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                map[i * s + j] = (float) (-1 + 2.0 * j / (s - 1));
                map[s * s + i * s + j] = (float) (-1 + 2.0 * i / (s - 1));
            }
        }
        return Tensor.ofFloats(map, 2, s, s);
    }
}
