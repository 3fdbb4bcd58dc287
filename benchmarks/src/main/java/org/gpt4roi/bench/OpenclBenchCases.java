package org.gpt4roi.bench;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.Tensor;

/**
 * The workloads {@link OpenclBench} times, at the real model's shapes: matrix products (F32 1024³
 * and the LLaMA-7B / CLIP ViT-L weight shapes with F16 weights), attention (prefill and decode),
 * and whole synthetic layers (a LLaMA-7B decoder layer at decode and prefill, a ViT-L encoder
 * layer) built from Backend ops with random F16 weights. Each case counts its floating-point
 * operations and the bytes it must move at least, for GFLOP/s and GB/s.
 */
final class OpenclBenchCases {
    private OpenclBenchCases() {}

    /** A workload: {@code prepare} uploads its inputs to a backend and returns the op to time (one call = one unit). */
    record Case(String name, double flops, double bytes, Function<Backend, Runnable> prepare) {}

    private static final int LLAMA_D = 4096, LLAMA_FF = 11008, LLAMA_HEADS = 32;
    private static final int VIT_D = 1024, VIT_FF = 4096, VIT_HEADS = 16, VIT_TOKENS = 257;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** All cases, each made (with its random host inputs) only when asked for; {@code prompt} is the prefill length. */
    static List<Supplier<Case>> all(int prompt) {
        List<Supplier<Case>> cases = new ArrayList<>();
        cases.add(() -> linear(DType.F32, 1024, 1024, 1024, "batched"));
        cases.add(() -> linear(DType.F16, 1, LLAMA_D, LLAMA_D, "LLaMA decode q/k/v/o"));
        cases.add(() -> linear(DType.F16, 1, LLAMA_D, LLAMA_FF, "LLaMA decode gate/up"));
        cases.add(() -> linear(DType.F16, 1, LLAMA_FF, LLAMA_D, "LLaMA decode down"));
        cases.add(() -> linear(DType.BF16, 1, LLAMA_D, LLAMA_FF, "BF16 weights"));
        cases.add(() -> linear(DType.F16, prompt, LLAMA_D, LLAMA_FF, "LLaMA prefill gate/up"));
        cases.add(() -> linear(DType.F16, VIT_TOKENS, VIT_D, VIT_FF, "ViT-L fc1"));
        cases.add(() -> attention(prompt, prompt, LLAMA_HEADS, 128, true, "LLaMA prefill"));
        cases.add(() -> attention(1, prompt, LLAMA_HEADS, 128, true, "LLaMA decode"));
        cases.add(() -> attention(1, 2048, LLAMA_HEADS, 128, true, "LLaMA decode, long"));
        cases.add(() -> attention(VIT_TOKENS, VIT_TOKENS, VIT_HEADS, 64, false, "ViT-L"));
        cases.add(() -> llamaLayer(1, prompt));
        cases.add(() -> llamaLayer(prompt, 0));
        cases.add(OpenclBenchCases::vitLayer);
        return cases;
    }

    // ---------------------------------------------------------------- cases

    private static Case linear(DType dtype, int m, int k, int n, String what) {
        Tensor x = randomF32(1, m, k), w = random(dtype, 2, 0.05f, n, k);
        double bytes = (double) n * k * dtype.size + 4.0 * m * k + 4.0 * m * n;
        return new Case("linear " + dtype + " " + m + "×" + k + " · " + n + "×" + k + "ᵀ (" + what + ")", 2.0 * m * n * k, bytes,
                b -> {
                    Tensor xd = b.upload(x), wd = b.weight(w);
                    return () -> b.linear(xd, wd, null);
                });
    }

    private static Case attention(int t, int s, int heads, int hd, boolean causal, String what) {
        int d = heads * hd;
        Tensor q = randomF32(3, t, d), k = randomF32(4, s, d), v = randomF32(5, s, d);
        double pairs = causal ? (double) t * (s - t) + (double) t * (t + 1) / 2 : (double) t * s;
        double bytes = 4.0 * (2.0 * t * d + 2.0 * s * d);
        return new Case("attention " + (causal ? "causal" : "full") + " T=" + t + " S=" + s + " " + heads + "×" + hd + " (" + what + ")",
                4.0 * pairs * hd * heads, bytes, b -> {
                    Tensor qd = b.upload(q), kd = b.upload(k), vd = b.upload(v);
                    return () -> b.attention(qd, kd, vd, heads, causal);
                });
    }

    /**
     * One LLaMA-7B decoder layer over {@code t} new tokens after {@code past} cached ones:
     * RMSNorm → q,k,v → RoPE → KV cache → causal attention → o + residual → RMSNorm → SwiGLU MLP + residual.
     */
    private static Case llamaLayer(int t, int past) {
        int d = LLAMA_D, s = past + t;
        Tensor x = randomF32(6, t, d), cache = randomF32(7, s, 2 * d);
        Tensor norm = random(DType.F16, 8, 1f, d);
        Tensor[] w = {random(DType.F16, 9, 0.02f, d, d), random(DType.F16, 10, 0.02f, d, d), random(DType.F16, 11, 0.02f, d, d),
                random(DType.F16, 12, 0.02f, d, d), random(DType.F16, 13, 0.02f, LLAMA_FF, d),
                random(DType.F16, 14, 0.02f, LLAMA_FF, d), random(DType.F16, 15, 0.02f, d, LLAMA_FF)};
        double params = 4.0 * d * d + 3.0 * d * LLAMA_FF;
        double pairs = (double) t * past + (double) t * (t + 1) / 2;
        String name = t == 1 ? "LLaMA-7B decoder layer, decode 1 token after " + past : "LLaMA-7B decoder layer, prefill " + t + " tokens";
        return new Case(name, 2 * params * t + 4.0 * pairs * d, 2 * params + 4.0 * 2 * s * d, b -> {
            Tensor h0 = b.upload(x), kv = b.upload(cache), g = b.weight(norm);
            Tensor wq = b.weight(w[0]), wk = b.weight(w[1]), wv = b.weight(w[2]), wo = b.weight(w[3]);
            Tensor wg = b.weight(w[4]), wu = b.weight(w[5]), wdn = b.weight(w[6]);
            return () -> {
                Tensor h = b.zeros(t, d);                           // a fresh copy of the residual stream
                b.copy(h0, h);
                Tensor n = b.rmsNorm(h, g, 1e-6f);
                Tensor q = b.linear(n, wq, null), k = b.linear(n, wk, null), v = b.linear(n, wv, null);
                b.rope(q, LLAMA_HEADS, past, 10000f);
                b.rope(k, LLAMA_HEADS, past, 10000f);
                b.copy(k, kv.slice(0, past, s).slice(1, 0, d));
                b.copy(v, kv.slice(0, past, s).slice(1, d, 2 * d));
                Tensor a = b.attention(q, kv.slice(1, 0, d), kv.slice(1, d, 2 * d), LLAMA_HEADS, true);
                b.add(h, b.linear(a, wo, null));
                Tensor n2 = b.rmsNorm(h, g, 1e-6f);
                Tensor gate = b.linear(n2, wg, null);
                b.siluMul(gate, b.linear(n2, wu, null));
                b.add(h, b.linear(gate, wdn, null));
            };
        });
    }

    /** One CLIP ViT-L/14 encoder layer over 257 tokens: LN → qkv → attention → out + residual → LN → fc1 → quickGELU → fc2 + residual. */
    private static Case vitLayer() {
        int d = VIT_D, t = VIT_TOKENS;
        Tensor x = randomF32(16, t, d);
        Tensor lnW = random(DType.F16, 17, 1f, d), bias = random(DType.F16, 18, 0.02f, d), bias4 = random(DType.F16, 19, 0.02f, VIT_FF);
        Tensor wqkv = random(DType.F16, 20, 0.02f, 3 * d, d), wo = random(DType.F16, 21, 0.02f, d, d);
        Tensor w1 = random(DType.F16, 22, 0.02f, VIT_FF, d), w2 = random(DType.F16, 23, 0.02f, d, VIT_FF);
        double params = 4.0 * d * d + 2.0 * d * VIT_FF;
        return new Case("CLIP ViT-L/14 encoder layer, 257 tokens", 2 * params * t + 4.0 * t * t * d, 2 * params, b -> {
            Tensor h0 = b.upload(x), ln = b.weight(lnW), bd = b.weight(bias), bf = b.weight(bias4);
            Tensor qkvW = b.weight(wqkv), oW = b.weight(wo), fc1 = b.weight(w1), fc2 = b.weight(w2);
            return () -> {
                Tensor h = b.zeros(t, d);
                b.copy(h0, h);
                Tensor qkv = b.linear(b.layerNorm(h, ln, bd, 1e-5f), qkvW, null);
                Tensor a = b.attention(qkv.slice(1, 0, d), qkv.slice(1, d, 2 * d), qkv.slice(1, 2 * d, 3 * d), VIT_HEADS, false);
                b.add(h, b.linear(a, oW, bd));
                Tensor f = b.linear(b.layerNorm(h, ln, bd, 1e-5f), fc1, bf);
                b.quickGelu(f);
                b.add(h, b.linear(f, fc2, bd));
            };
        });
    }

    // ---------------------------------------------------------------- inputs

    private static Tensor randomF32(long seed, int... shape) { return random(DType.F32, seed, 1f, shape); }

    /** Uniform values in [-scale, scale) stored as {@code dtype}. */
    static Tensor random(DType dtype, long seed, float scale, int... shape) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long n = Tensor.numel(shape);
        if (dtype == DType.F32) {
            float[] v = new float[Math.toIntExact(n)];
            for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextDouble(-1, 1) * scale);
            return Tensor.ofFloats(v, shape);
        }
        Tensor t = Tensor.zeros(dtype, shape);
        for (long i = 0; i < n; i++) {
            float v = (float) (rnd.nextDouble(-1, 1) * scale);
            t.segment().setAtIndex(I16, i, dtype == DType.F16 ? HalfFloats.f32ToF16(v) : HalfFloats.f32ToBf16(v));
        }
        return t;
    }
}
