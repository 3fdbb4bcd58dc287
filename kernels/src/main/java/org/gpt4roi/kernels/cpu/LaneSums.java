package org.gpt4roi.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums of vector lanes in one fixed order, so that results are reproducible (unlike
 * {@code reduceLanes(ADD)}, whose order "may vary over time"). Lane l of a vector is paired with
 * lane l + L/2, those sums with the ones L/4 away, and so on:
 * for 8 lanes {@code ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7))}.
 *
 * <p>{@link #sum(float[], int, float[], int)} reduces L vectors at once with a transposing network
 * (blend, lane swap, add per level), L/log L times cheaper than one by one, in exactly that order.
 */
final class LaneSums {
    private LaneSums() {}

    private static final VectorSpecies<Float> S = HalfVectors.FLOATS;
    private static final int L = HalfVectors.LANES, LEVELS = Integer.numberOfTrailingZeros(L);
    /** Per level h = L/2, L/4, …, 1: lanes whose bit h is set, and the swap of lane l with lane l ^ h. */
    private static final VectorMask<Float>[] HIGH = masks();
    private static final VectorShuffle<Float>[] SWAP = swaps();
    /** Lane j of the network's result holds the sum of vector REVERSED[j] (bit reversal). */
    private static final int[] REVERSED = reversed();

    /** The sum of the lanes of {@code v}: lane l + lane l ^ h for h = L/2 … 1, a fixed butterfly. */
    static float sum(FloatVector v) {
        for (int level = 0; level < LEVELS; level++) v = v.add(v.rearrange(SWAP[level]));
        return v.lane(0);
    }

    /** The sum of the L floats {@code v[0..L)}, in the fixed order. */
    static float sum(float[] v) {
        float[] s = v;
        for (int width = L / 2; width >= 1; width /= 2)
            for (int l = 0; l < width; l++) s[l] += s[l + width];
        return s[0];
    }

    /**
     * {@code out[o + j] = Σ lanes of vectors[v + j·L ..]} for j < L, in the order of {@link #sum(float[])}.
     * Overwrites {@code vectors[v .. v + L·L)}.
     */
    static void sum(float[] vectors, int v, float[] out, int o) {
        int count = L;
        for (int level = 0; level < LEVELS; level++, count /= 2)
            for (int p = 0; p < count / 2; p++) {           // pair (2p, 2p+1) → p
                FloatVector x = FloatVector.fromArray(S, vectors, v + 2 * p * L);
                FloatVector y = FloatVector.fromArray(S, vectors, v + (2 * p + 1) * L);
                x.blend(y, HIGH[level]).add(y.blend(x, HIGH[level]).rearrange(SWAP[level])).intoArray(vectors, v + p * L);
            }
        for (int j = 0; j < L; j++) out[o + REVERSED[j]] = vectors[v + j];
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] masks() {
        VectorMask<Float>[] m = new VectorMask[LEVELS];
        for (int level = 0; level < LEVELS; level++) {
            boolean[] bits = new boolean[L];
            for (int l = 0; l < L; l++) bits[l] = (l & (L >> (level + 1))) != 0;
            m[level] = VectorMask.fromArray(S, bits, 0);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] swaps() {
        VectorShuffle<Float>[] s = new VectorShuffle[LEVELS];
        for (int level = 0; level < LEVELS; level++) {
            int h = L >> (level + 1);
            s[level] = VectorShuffle.fromOp(S, l -> l ^ h);
        }
        return s;
    }

    private static int[] reversed() {
        int[] r = new int[L];
        for (int j = 0; j < L; j++) r[j] = Integer.reverse(j) >>> (32 - LEVELS);
        return r;
    }
}
