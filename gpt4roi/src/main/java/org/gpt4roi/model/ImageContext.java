package org.gpt4roi.model;

import org.gpt4roi.roi.FusedPyramid;
import org.gpt4roi.tensor.Tensor;

/**
 * What one image leaves for every question about it: its original size (boxes are normalised by it),
 * the 256 image tokens {@code [256,D]} and the fused region pyramid. Computed once per image.
 */
public record ImageContext(int width, int height, Tensor imageTokens, FusedPyramid pyramid) {}
