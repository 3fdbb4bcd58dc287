package org.gpt4roi.kernels.cpu;

import java.util.SplittableRandom;
import org.gpt4roi.tensor.Tensor;

/** Random inputs and error measures shared by the op tests. */
final class Accuracy {
    private Accuracy() {}

    /** Uniform values in [-scale, scale), reproducible from the seed. */
    static float[] randomFloats(long seed, int n, float scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return v;
    }

    static Tensor random(long seed, float scale, int... shape) {
        return Tensor.ofFloats(randomFloats(seed, Math.toIntExact(Tensor.numel(shape)), scale), shape);
    }

    /** max |got - want| / max |want| (the error relative to the largest reference value). */
    static double relError(float[] got, double[] want) {
        if (got.length != want.length) throw new AssertionError("length " + got.length + " != " + want.length);
        double maxDiff = 0, maxRef = 1e-30;
        for (int i = 0; i < got.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        return maxDiff / maxRef;
    }

    static double relError(float[] got, float[] want) {
        double[] w = new double[want.length];
        for (int i = 0; i < w.length; i++) w[i] = want[i];
        return relError(got, w);
    }

    /** max |got - want|. */
    static double absError(float[] got, float[] want) {
        if (got.length != want.length) throw new AssertionError("length " + got.length + " != " + want.length);
        double maxDiff = 0;
        for (int i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
        return maxDiff;
    }
}
