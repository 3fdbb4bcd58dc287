package org.gpt4roi.llama;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;

/**
 * The LLaMA decoder (Hugging Face {@code LlamaForCausalLM} weights), one forward pass per call:
 *
 * <pre>
 * embeds [T,D] ─▶ h
 * for each layer:
 *     x = RMSNorm_in(h)                                  [T,D]
 *     q,k,v = x·Wqᵀ, x·Wkᵀ, x·Wvᵀ ; RoPE(q,k) at positions start..start+T-1
 *     cache[start..start+T) ← k,v                        keys cached after RoPE
 *     h += o_proj(causal attention(q, cache[0..start+T)))
 *     x = RMSNorm_post(h)
 *     h += down(silu(gate(x)) ⊙ up(x))                   [T,I] inside
 * logits = lm_head(RMSNorm_final(h[T-1]))                [V] on the host
 * </pre>
 * Only the last position's output feeds the logits, so the last layer runs its attention output,
 * o_proj and MLP for that row alone (its keys and values are still cached for all T); with a probe
 * active every row is computed, for the per-layer outputs it records.
 * A prompt goes through as one batched pass (T = prompt length), generation as T = 1 steps; both
 * append to the same {@link KvCache}. Weights stay in their stored dtype (F16/BF16/F32), used in place.
 */
public final class LlamaModel {
    private final LlamaConfig config;
    private final Backend backend;
    private final Tensor embedTokens;   // [V, D]
    private final Layer[] layers;
    private final Tensor finalNorm;     // [D]
    private final Tensor lmHead;        // [V, D]

    /** The weights of one decoder layer, named as in the checkpoint. */
    private record Layer(Tensor inputNorm, Tensor q, Tensor k, Tensor v, Tensor o,
                         Tensor postNorm, Tensor gate, Tensor up, Tensor down) {}

    /**
     * Takes the decoder's weights from {@code weights} (shapes checked against {@code config}) onto
     * {@code backend}, once. Other tensors in the file (vision, region module, {@code rotary_emb.inv_freq}) are ignored.
     */
    public LlamaModel(LlamaConfig config, SafeTensors weights, Backend backend) {
        this.config = config;
        this.backend = backend;
        int d = config.hidden(), i = config.intermediate(), v = config.vocab();
        this.embedTokens = backend.weight(weights.weight("model.embed_tokens.weight", v, d));
        this.layers = new Layer[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "model.layers." + l + ".";
            layers[l] = new Layer(
                    backend.weight(weights.weight(p + "input_layernorm.weight", d)),
                    backend.weight(weights.weight(p + "self_attn.q_proj.weight", d, d)),
                    backend.weight(weights.weight(p + "self_attn.k_proj.weight", d, d)),
                    backend.weight(weights.weight(p + "self_attn.v_proj.weight", d, d)),
                    backend.weight(weights.weight(p + "self_attn.o_proj.weight", d, d)),
                    backend.weight(weights.weight(p + "post_attention_layernorm.weight", d)),
                    backend.weight(weights.weight(p + "mlp.gate_proj.weight", i, d)),
                    backend.weight(weights.weight(p + "mlp.up_proj.weight", i, d)),
                    backend.weight(weights.weight(p + "mlp.down_proj.weight", d, i)));
        }
        this.finalNorm = backend.weight(weights.weight("model.norm.weight", d));
        this.lmHead = backend.weight(weights.weight("lm_head.weight", v, d));
    }

    public LlamaConfig config() { return config; }

    public Backend backend() { return backend; }

    /** Rows of {@code embed_tokens} for {@code ids}: a backend tensor {@code [T,D]}. */
    public Tensor embed(int[] ids) {
        for (int t = 0; t < ids.length; t++)
            if (ids[t] < 0 || ids[t] >= config.vocab())
                throw new InputException("token id " + ids[t] + " at position " + t + " is outside the vocabulary [0, " + config.vocab() + ")");
        return backend.embedding(embedTokens, ids);
    }

    /**
     * A KV cache for up to {@code maxTokens} positions (at most {@code max_position_embeddings}),
     * allocated now; its {@link KvCache#bytes()} says how much memory it holds.
     */
    public KvCache newCache(int maxTokens) {
        if (maxTokens <= 0 || maxTokens > config.maxPositions())
            throw new InputException("a KV cache of " + maxTokens + " tokens was asked; the model allows 1 to "
                    + config.maxPositions() + " (max_position_embeddings)");
        return new KvCache(backend, config.layers(), maxTokens, config.hidden());
    }

    /**
     * Runs {@code embeds [T,D]} (positions {@code cache.length()} on) through the decoder, appends
     * their keys and values to {@code cache} and returns the logits of the last position {@code [V]}.
     * Probe names: {@code prefill.layer.{j}} {@code [T,D]} (output of layer j) and {@code prefill.norm_last} {@code [D]}.
     * Exceeding the cache's capacity is an {@link InputException} and leaves the cache unchanged.
     */
    public float[] forward(Tensor embeds, KvCache cache, Probe probe) {
        int tokens = embeds.dim(0), d = config.hidden(), heads = config.heads();
        if (embeds.rank() != 2 || embeds.dim(1) != d || tokens == 0)
            throw new InputException("forward expects embeddings [T, " + d + "] with T ≥ 1, got " + embeds);
        cache.checkRoom(tokens);
        int start = cache.length(), end = start + tokens;

        Tensor h = backend.zeros(tokens, d);                                       // [T,D] residual stream
        backend.copy(embeds, h);
        boolean lastRowOnly = !probe.active() && tokens > 1;
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            Tensor x = backend.rmsNorm(h, w.inputNorm, config.rmsEps());           // [T,D]
            Tensor[] qkv = backend.linears(x, w.q, w.k, w.v);
            Tensor q = qkv[0], k = qkv[1], v = qkv[2];                              // [T,D] each
            backend.rope(q, heads, start, config.ropeTheta());
            backend.rope(k, heads, start, config.ropeTheta());
            backend.copy(k, cache.keys(l, start, end));
            backend.copy(v, cache.values(l, start, end));
            if (l == layers.length - 1 && lastRowOnly) {                           // [1,D] from here on
                h = h.slice(0, tokens - 1, tokens);
                q = q.slice(0, tokens - 1, tokens);
            }
            Tensor attn = backend.attention(q, cache.keys(l, 0, end), cache.values(l, 0, end), heads, true);   // [T,D]
            backend.add(h, backend.linear(attn, w.o, null));

            x = backend.rmsNorm(h, w.postNorm, config.rmsEps());                   // [T,D]
            Tensor[] gateUp = backend.linears(x, w.gate, w.up);                    // [T,I] each
            Tensor gate = gateUp[0];
            backend.siluMul(gate, gateUp[1]);
            backend.add(h, backend.linear(gate, w.down, null));
            if (probe.active()) probe.accept("prefill.layer." + l, snapshot(h));
        }
        cache.advance(tokens);

        int rows = h.dim(0);
        Tensor last = backend.rmsNorm(h.slice(0, rows - 1, rows), finalNorm, config.rmsEps());   // [1,D]
        if (probe.active()) probe.accept("prefill.norm_last", last.reshape(d));
        Tensor logits = backend.linear(last, lmHead, null);                        // [1,V]
        return backend.download(logits).toFloatArray();
    }

    /** A copy of {@code t} that later in-place updates do not touch. */
    private Tensor snapshot(Tensor t) {
        Tensor copy = backend.zeros(t.shape());
        backend.copy(t, copy);
        return copy;
    }
}
