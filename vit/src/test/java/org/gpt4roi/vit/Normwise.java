package org.gpt4roi.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.gpt4roi.tensor.Tensor;

/**
 * The reference's {@code compare} rule for float tensors: pass when
 * {@code max|actual − expected| ≤ tol · max|expected|}.
 */
final class Normwise {
    private Normwise() {}

    /** Tolerances of the reference's compare defaults. */
    static final double PIXEL_TOL = 1e-4, HIDDEN_TOL = 5e-5;

    /** {@code max|a − e| / max|e|} over all elements (host tensors of any float dtype and strides). */
    static double error(Tensor actual, Tensor expected) {
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        double maxDiff = 0, maxExpected = 0;
        for (int i = 0; i < e.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) a[i] - e[i]));
            maxExpected = Math.max(maxExpected, Math.abs(e[i]));
        }
        return maxExpected == 0 ? maxDiff : maxDiff / maxExpected;
    }

    /** Asserts equal shapes and a normwise error within {@code tol}; returns the error. */
    static double assertClose(String what, Tensor actual, Tensor expected, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape " + Arrays.toString(actual.shape()));
        double err = error(actual, expected);
        assertTrue(err <= tol, String.format("%s: normwise error %.3e exceeds %.0e", what, err, tol));
        return err;
    }
}
