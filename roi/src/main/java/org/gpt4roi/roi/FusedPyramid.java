package org.gpt4roi.roi;

import java.util.List;
import org.gpt4roi.tensor.Tensor;

/**
 * The fused feature pyramid of one image: level l is a backend tensor {@code [C, S_l, S_l]} with
 * S = 128, 64, 32, 16 (shallow → deep). Computed once per image by {@link RegionExtractor#fuse};
 * every box of every turn pools from it.
 */
public record FusedPyramid(List<Tensor> levels) {
    public FusedPyramid { levels = List.copyOf(levels); }

    /** The level-l map {@code [C, S_l, S_l]}. */
    public Tensor level(int l) { return levels.get(l); }
}
