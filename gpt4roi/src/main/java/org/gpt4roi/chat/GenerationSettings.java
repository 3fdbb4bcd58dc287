package org.gpt4roi.chat;

import org.gpt4roi.kernels.Sampler;
import org.gpt4roi.tensor.InputException;

/**
 * How an answer is generated. Temperature 0 is greedy. The defaults of the original demo are
 * temperature 0.2, top-k 50, top-p 1.0 ({@link #demo}).
 */
public record GenerationSettings(float temperature, int topK, float topP, long seed, int maxNewTokens) {
    public GenerationSettings {
        if (maxNewTokens < 1) throw new InputException("max new tokens must be ≥ 1, got " + maxNewTokens);
        new Sampler.Settings(temperature, topK, topP, seed);     // validates the sampling values
    }

    public static GenerationSettings greedy(int maxNewTokens) { return new GenerationSettings(0f, 0, 1f, 0L, maxNewTokens); }

    public static GenerationSettings demo(long seed, int maxNewTokens) { return new GenerationSettings(0.2f, 50, 1f, seed, maxNewTokens); }

    public Sampler.Settings sampler() { return new Sampler.Settings(temperature, topK, topP, seed); }
}
