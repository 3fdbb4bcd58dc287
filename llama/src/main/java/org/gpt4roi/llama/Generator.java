package org.gpt4roi.llama;

import java.util.Arrays;
import java.util.function.Consumer;
import org.gpt4roi.kernels.Sampler;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;

/**
 * The decoding loop: sample a token from the logits, stream its text, feed it back as a one-token
 * forward step, until a stop condition.
 *
 * <pre>
 * prompt embeds [T,D] ─▶ {@link #prefill} (one batched pass) ─▶ logits [V]
 * loop: id = sampler(logits) ─▶ stop on EOS ─▶ text += decode(id) ─▶ stop on "###" (from the 2nd token on)
 *       ─▶ stop at maxNewTokens or a full cache ─▶ logits = forward(embed(id))   (T = 1, KV cache)
 * </pre>
 * Streaming never shows the stop string: trailing '#' that may begin {@code ###} are held back until
 * the next token decides. After {@link #generate} the cache holds the prompt and every generated
 * token except the last one sampled (which was never fed back).
 */
public final class Generator {
    /** Generation ends once the decoded answer contains this (the v0 conversation separator). */
    public static final String STOP_STRING = "###";

    public enum StopReason { EOS, STOP_STRING, MAX_TOKENS, CONTEXT_FULL }

    /** Prompt logits with how long the prompt pass took ({@code nanos} 0 when not timed). */
    public record Prefill(float[] logits, int tokens, long nanos) {}

    /** Prefill and decode speed; decode counts the one-token forward steps. */
    public record Timings(int prefillTokens, long prefillNanos, int decodeSteps, long decodeNanos) {
        public double prefillTokensPerSecond() { return prefillNanos == 0 ? Double.NaN : prefillTokens * 1e9 / prefillNanos; }
        public double decodeTokensPerSecond() { return decodeNanos == 0 ? Double.NaN : decodeSteps * 1e9 / decodeNanos; }
    }

    /**
     * @param ids  every sampled id, including a final EOS
     * @param text the decoded answer up to (not including) the first {@code ###}
     */
    public record Result(int[] ids, String text, StopReason stop, Timings timings) {}

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Sampler sampler;

    public Generator(LlamaModel model, Tokenizer tokenizer, Sampler sampler) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.sampler = sampler;
    }

    /** Runs the prompt {@code embeds [T,D]} through the model as one batched pass, timed. */
    public Prefill prefill(Tensor embeds, KvCache cache, Probe probe) {
        long t0 = System.nanoTime();
        float[] logits = model.forward(embeds, cache, probe);
        return new Prefill(logits, embeds.dim(0), System.nanoTime() - t0);
    }

    /** {@link #generate(Prefill, KvCache, int, Consumer)} from untimed prompt logits. */
    public Result generate(float[] promptLogits, KvCache cache, int maxNewTokens, Consumer<String> onText) {
        return generate(new Prefill(promptLogits, 0, 0), cache, maxNewTokens, onText);
    }

    /**
     * Generates up to {@code maxNewTokens} tokens after {@code prefill}, passing text to
     * {@code onText} as it becomes printable; {@code cache} must be the one the prefill filled.
     */
    public Result generate(Prefill prefill, KvCache cache, int maxNewTokens, Consumer<String> onText) {
        AnswerText answer = new AnswerText(tokenizer, STOP_STRING, onText);
        int[] ids = new int[Math.max(0, maxNewTokens)];
        int count = 0, steps = 0;
        StopReason stop = StopReason.MAX_TOKENS;
        float[] logits = prefill.logits();
        long t0 = System.nanoTime();
        while (count < maxNewTokens) {
            int id = sampler.sample(logits);
            ids[count++] = id;
            if (id == model.config().eosId()) { stop = StopReason.EOS; break; }
            if (answer.add(id)) { stop = StopReason.STOP_STRING; break; }
            if (count == maxNewTokens) break;
            if (cache.length() == cache.capacity()) { stop = StopReason.CONTEXT_FULL; break; }
            logits = model.forward(model.embed(new int[] {id}), cache, Probe.NONE);          // [V]
            steps++;
        }
        long decodeNanos = System.nanoTime() - t0;
        return new Result(Arrays.copyOf(ids, count), answer.finish(), stop,
                new Timings(prefill.tokens(), prefill.nanos(), steps, decodeNanos));
    }
}
