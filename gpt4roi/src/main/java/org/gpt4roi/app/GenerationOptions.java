package org.gpt4roi.app;

import org.gpt4roi.chat.GenerationSettings;
import picocli.CommandLine.Option;

/** Sampling options; the defaults are the original demo's (temperature 0.2, top-k 50). */
public final class GenerationOptions {
    @Option(names = "--greedy", description = "Always take the most likely token (deterministic).")
    boolean greedy;

    @Option(names = "--temperature", defaultValue = "0.2", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "50", description = "Sample among the k most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass in (0,1]; 1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-new-tokens", defaultValue = "1024", description = "Longest answer in tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    public GenerationSettings settings() {
        return greedy ? GenerationSettings.greedy(maxNewTokens)
                : new GenerationSettings(temperature, topK, topP, seed, maxNewTokens);
    }
}
