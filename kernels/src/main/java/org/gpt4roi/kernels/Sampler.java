package org.gpt4roi.kernels;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.gpt4roi.tensor.InputException;

/**
 * Picks the next token from a row of logits. Temperature 0 is greedy (argmax, first index on
 * ties); otherwise the logits go through Hugging Face's warpers in their order — divide by the
 * temperature, keep the top-k, keep the nucleus of top-p — and a token is drawn from the softmax
 * of what is left with a seeded generator, so a seed always gives the same text.
 */
public final class Sampler {

    /**
     * Sampling settings.
     *
     * @param temperature 0 for greedy decoding, else the divisor of the logits (≥ 0)
     * @param topK        keep the k most likely tokens; 0 keeps all
     * @param topP        keep the smallest set of most likely tokens whose probability reaches p, in (0, 1]; 1 keeps all
     * @param seed        seed of the random generator
     */
    public record Settings(float temperature, int topK, float topP, long seed) {
        public Settings {
            if (!(temperature >= 0) || Float.isInfinite(temperature))
                throw new InputException("temperature must be a finite number ≥ 0 (0 = greedy), got " + temperature);
            if (topK < 0) throw new InputException("top-k must be ≥ 0 (0 = no limit), got " + topK);
            if (!(topP > 0 && topP <= 1)) throw new InputException("top-p must be in (0, 1] (1 = no limit), got " + topP);
        }

        /** Greedy decoding: always the most likely token. */
        public static Settings greedy() { return new Settings(0f, 0, 1f, 0L); }

        /** True when no randomness is involved. */
        public boolean isGreedy() { return temperature == 0f || topK == 1; }
    }

    private final Settings settings;
    private final SplittableRandom random;

    public Sampler(Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    public Settings settings() { return settings; }

    /** The next token id for {@code logits[V]} (not modified). */
    public int sample(float[] logits) {
        if (logits.length == 0) throw new IllegalArgumentException("sample: no logits");
        if (settings.isGreedy()) return argmax(logits);

        // Candidates in descending logit order (ties: lower id first), after temperature and top-k.
        int[] order = descending(logits);
        int kept = settings.topK() == 0 ? order.length : Math.min(settings.topK(), order.length);
        while (kept < order.length && logits[order[kept]] == logits[order[kept - 1]]) kept++;   // HF keeps ties with the k-th
        double[] prob = new double[kept];
        double max = logits[order[0]] / settings.temperature(), total = 0;
        for (int r = 0; r < kept; r++) {
            float scaled = logits[order[r]] / settings.temperature();
            prob[r] = Math.exp(scaled - max);
            total += prob[r];
        }
        for (int r = 0; r < kept; r++) prob[r] /= total;

        // Top-p as HF does it: drop a token when the total probability of it and every less likely one is ≤ 1 - p.
        if (settings.topP() < 1f) {
            double tail = 0;
            int keep = kept;
            for (int r = kept - 1; r > 0; r--) {
                tail += prob[r];
                if (tail <= 1.0 - settings.topP()) keep = r;
                else break;
            }
            kept = keep;
        }

        double mass = 0;
        for (int r = 0; r < kept; r++) mass += prob[r];
        double u = random.nextDouble() * mass;
        for (int r = 0; r < kept; r++) {
            u -= prob[r];
            if (u < 0) return order[r];
        }
        return order[kept - 1];
    }

    /** Index of the largest value, the first one on ties; NaN never wins. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++)
            if (logits[i] > logits[best] || Float.isNaN(logits[best])) best = i;
        return best;
    }

    /** Token ids sorted by descending logit, ties by ascending id (a stable order). */
    private static int[] descending(float[] logits) {
        long[] keys = new long[logits.length];
        for (int i = 0; i < logits.length; i++) {
            int bits = Float.floatToIntBits(logits[i]);
            int sortable = bits >= 0 ? bits : bits ^ 0x7fffffff;   // monotone in the float value
            keys[i] = ((long) ~sortable << 32) | i;                 // descending value, then ascending id
        }
        Arrays.sort(keys);
        int[] order = new int[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = (int) keys[i];
        return order;
    }
}
