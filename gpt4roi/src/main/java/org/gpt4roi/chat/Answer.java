package org.gpt4roi.chat;

import java.util.List;

/**
 * One answer of a conversation.
 *
 * @param text             what a user sees: the generated text without "###" and the "Assistant:" prefix
 * @param raw              the generated text as decoded (up to "###")
 * @param promptTokens     tokens of the whole rendered prompt
 * @param reusedTokens     of those, how many were already in the KV cache
 * @param generatedIds     the generated ids
 * @param stopReason       "###", "eos", "max-new-tokens" or "context"
 * @param unusedRegions    1-based numbers of boxes that no question of the conversation names yet
 * @param decodeSteps      one-token forward steps run
 * @param decodeTokensPerSecond their speed
 * @param prefillTokens    tokens run through the prefill pass (the prompt less the reused ones)
 * @param prefillNanos     time of the prefill pass
 */
public record Answer(String text, String raw, int promptTokens, int reusedTokens, int[] generatedIds,
                     String stopReason, List<Integer> unusedRegions, int decodeSteps, double decodeTokensPerSecond,
                     int prefillTokens, long prefillNanos) {

    public double prefillTokensPerSecond() { return prefillNanos == 0 ? Double.NaN : prefillTokens * 1e9 / prefillNanos; }
}
