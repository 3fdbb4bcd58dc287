package org.gpt4roi.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.gpt4roi.kernels.Sampler.Settings;
import org.gpt4roi.tensor.InputException;
import org.junit.jupiter.api.Test;

/** Greedy, temperature, top-k and top-p sampling: ties, limits, reproducibility and the drawn distribution. */
class SamplerTest {

    private static float[] randomLogits(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (r.nextGaussian() * 3);
        return l;
    }

    @Test void greedyTakesTheFirstOfTiedMaxima() {
        float[] logits = {0.5f, 2f, -1f, 2f, 2f};
        assertEquals(1, new Sampler(Settings.greedy()).sample(logits));
        assertEquals(1, Sampler.argmax(logits));
        assertEquals(2, Sampler.argmax(new float[] {Float.NaN, -5f, 3f}));
    }

    @Test void topKOneAndATinyTopPAreGreedy() {
        for (long seed = 0; seed < 20; seed++) {
            float[] logits = randomLogits(seed, 1000);
            int best = Sampler.argmax(logits);
            assertEquals(best, new Sampler(new Settings(1.5f, 1, 1f, seed)).sample(logits), "top-k 1, seed " + seed);
            assertEquals(best, new Sampler(new Settings(0.7f, 0, 1e-6f, seed)).sample(logits), "top-p 1e-6, seed " + seed);
        }
    }

    @Test void aSeedReproducesTheSameSequence() {
        float[] logits = randomLogits(7, 500);
        int[] a = draw(new Sampler(new Settings(1f, 50, 0.9f, 42)), logits, 64);
        int[] b = draw(new Sampler(new Settings(1f, 50, 0.9f, 42)), logits, 64);
        int[] c = draw(new Sampler(new Settings(1f, 50, 0.9f, 43)), logits, 64);
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test void drawsFollowTheSoftmaxAfterTemperature() {
        float[] logits = {1f, 2f, 0f, 3f};
        float temperature = 2f;
        double[] p = new double[4];
        double z = 0;
        for (int i = 0; i < 4; i++) z += p[i] = Math.exp(logits[i] / temperature);
        int draws = 40_000;
        int[] counts = new int[4];
        Sampler s = new Sampler(new Settings(temperature, 0, 1f, 5));
        for (int n = 0; n < draws; n++) counts[s.sample(logits)]++;
        for (int i = 0; i < 4; i++) {
            double want = p[i] / z, got = (double) counts[i] / draws;
            double sigma = Math.sqrt(want * (1 - want) / draws);
            assertTrue(Math.abs(got - want) < 5 * sigma, "token " + i + ": frequency " + got + ", probability " + want);
        }
    }

    @Test void topKAndTopPOnlyDrawFromTheirSets() {
        // probabilities ∝ 8, 4, 2, 1, 1 (softmax of log values): top-p 0.8 keeps {0,1,2}
        // (dropped: tails 2/16 ≤ 0.2), top-k 2 keeps {0,1}.
        float[] logits = {(float) Math.log(8), (float) Math.log(4), (float) Math.log(2), 0f, 0f};
        Sampler topP = new Sampler(new Settings(1f, 0, 0.8f, 9)), topK = new Sampler(new Settings(1f, 2, 1f, 9));
        boolean[] seenP = new boolean[5], seenK = new boolean[5];
        for (int n = 0; n < 5000; n++) { seenP[topP.sample(logits)] = true; seenK[topK.sample(logits)] = true; }
        assertArrayEquals(new boolean[] {true, true, true, false, false}, seenP);
        assertArrayEquals(new boolean[] {true, true, false, false, false}, seenK);
    }

    @Test void logitsAreNotModified() {
        float[] logits = randomLogits(3, 100), copy = logits.clone();
        new Sampler(new Settings(0.8f, 10, 0.5f, 1)).sample(logits);
        assertArrayEquals(copy, logits);
    }

    @Test void badSettingsAreInputErrors() {
        var t = assertThrows(InputException.class, () -> new Settings(-0.1f, 0, 1f, 0));
        assertTrue(t.getMessage().contains("temperature"), t.getMessage());
        var k = assertThrows(InputException.class, () -> new Settings(1f, -2, 1f, 0));
        assertTrue(k.getMessage().contains("top-k"), k.getMessage());
        for (float p : new float[] {0f, 1.5f, Float.NaN}) {
            var e = assertThrows(InputException.class, () -> new Settings(1f, 0, p, 0));
            assertTrue(e.getMessage().contains("top-p"), e.getMessage());
        }
        assertThrows(InputException.class, () -> new Settings(Float.NaN, 0, 1f, 0));
    }

    private static int[] draw(Sampler s, float[] logits, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.sample(logits);
        return out;
    }
}
