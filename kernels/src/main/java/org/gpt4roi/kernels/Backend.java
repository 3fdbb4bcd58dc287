package org.gpt4roi.kernels;

import org.gpt4roi.tensor.Tensor;

/**
 * The one interface every model module calls for its hot loops. A backend owns its memory: the
 * cpu backend's tensors live in host {@code MemorySegment}s, a device backend's in device buffers.
 * Model code never asks which; it moves data in with {@link #upload}/{@link #weight} and out with
 * {@link #download}.
 *
 * <p>Conventions: activations are F32 and row-major; weights may be F32, F16 or BF16 in PyTorch's
 * layout and are used in place. Ops that return a tensor allocate it on this backend. Shapes are
 * written {@code [rows, cols]}; the first dimension of an NCHW tensor is the batch.
 * All ops are deterministic for a given backend configuration (thread count, work-group size).
 */
public interface Backend extends AutoCloseable {

    /** "cpu", "opencl", ... */
    String name();

    /** One line describing the device and its settings, for logs. */
    String describe();

    // ---------------------------------------------------------------- memory

    /** Makes a weight (host, any float dtype, possibly memory-mapped) usable here; cpu: itself, device: uploaded once. */
    Tensor weight(Tensor host);

    /** Copies a host tensor (any float dtype, any strides) into a new contiguous F32 tensor on this backend. */
    Tensor upload(Tensor host);

    /** A new zero-filled contiguous F32 tensor. */
    Tensor zeros(int... shape);

    /** Copies a tensor of this backend (any view) into a new contiguous host F32 tensor. */
    Tensor download(Tensor t);

    /** {@code dst ← src}, element by element; both are (possibly strided) views of this backend with equal shapes. */
    void copy(Tensor src, Tensor dst);

    /** {@code t} itself when contiguous F32, else a contiguous F32 copy. */
    default Tensor contiguous(Tensor t) {
        if (t.isContiguous() && t.dtype() == org.gpt4roi.tensor.DType.F32) return t;
        Tensor out = zeros(t.shape());
        copy(t, out);
        return out;
    }

    // ---------------------------------------------------------------- linear algebra

    /**
     * {@code y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias[N])}. {@code w} F32, F16 or BF16; bias may be null.
     * M = 1 (decode) and M > 1 (prefill, ViT, convolutions) run separately tuned kernels.
     */
    Tensor linear(Tensor x, Tensor w, Tensor bias);

    /**
     * {@code y_i = x[M,K] · w_i[N_i,K]ᵀ} for several weights that share K (LLaMA's q/k/v or gate/up),
     * the same values as one {@link #linear} per weight. A backend may run them as one larger product
     * (fewer hand-offs to its threads, longer weight streams in a decode step).
     */
    default Tensor[] linears(Tensor x, Tensor... ws) {
        Tensor[] ys = new Tensor[ws.length];
        for (int i = 0; i < ws.length; i++) ys[i] = linear(x, ws[i], null);
        return ys;
    }

    /**
     * 2-D convolution, NCHW: {@code y[N,O,Ho,Wo] = conv(x[N,C,H,W], w[O,C,kh,kw]) (+ bias[O])},
     * square kernel, equal stride and zero padding on both axes; bias may be null.
     */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding);

    // ---------------------------------------------------------------- spatial

    /**
     * Bilinear resize of {@code x[C,H,W]} to {@code [C,outH,outW]}. alignCorners true:
     * {@code src = dst·(in-1)/(out-1)}; false: {@code src = max((dst+0.5)·in/out - 0.5, 0)}.
     * An axis with in == out is copied exactly.
     */
    Tensor resizeBilinear(Tensor x, int outH, int outW, boolean alignCorners);

    /**
     * RoIAlign (average pooling) of {@code x[C,H,W]} over {@code boxes[K,4]} (x1,y1,x2,y2 in the
     * coordinates that {@code spatialScale} maps onto x), giving {@code [K,C,out,out]}; torchvision's
     * formula with a fixed sampling ratio and its edge rules.
     */
    Tensor roiAlign(Tensor x, Tensor boxes, float spatialScale, int outSize, int samplingRatio, boolean aligned);

    // ---------------------------------------------------------------- normalisation (new tensors)

    /** LayerNorm over the last dim of {@code x[M,N]} with weight and bias {@code [N]}. */
    Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps);

    /** RMSNorm over the last dim of {@code x[M,N]}: {@code w ⊙ x / sqrt(mean(x²) + eps)}. */
    Tensor rmsNorm(Tensor x, Tensor w, float eps);

    /**
     * GroupNorm of {@code x[N,C,L]} (L = flattened spatial size): statistics over each of
     * {@code groups} contiguous channel groups of each sample; per-channel weight and bias {@code [C]}.
     */
    Tensor groupNorm(Tensor x, int groups, Tensor w, Tensor b, float eps);

    // ---------------------------------------------------------------- element-wise, in place

    /** {@code x += y}, same shape, both contiguous. */
    void add(Tensor x, Tensor y);

    /** {@code x = max(x, 0)}. */
    void relu(Tensor x);

    /** {@code x = x·σ(1.702x)}. */
    void quickGelu(Tensor x);

    /** {@code gate = silu(gate) ⊙ up} (SwiGLU), same shape. */
    void siluMul(Tensor gate, Tensor up);

    /** Softmax over the last dim of {@code x[M,N]}. */
    void softmax(Tensor x);

    // ---------------------------------------------------------------- transformer

    /**
     * Rotate-half RoPE in place on {@code x[T, heads·hd]}; row t has position {@code startPos + t};
     * {@code inv_freq[i] = 1/theta^(2i/hd)} computed in float32 as PyTorch does.
     */
    void rope(Tensor x, int heads, int startPos, float theta);

    /**
     * Multi-head attention: {@code q[T, H·hd]}, {@code k,v[S, H·hd]} → {@code [T, H·hd]}, scores
     * scaled by {@code 1/sqrt(hd)}, softmax in F32. Causal: query t (absolute position
     * {@code S - T + t}) sees keys {@code 0..S-T+t}; otherwise every key.
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal);

    /** Rows {@code table[ids[t]]} of an embedding table {@code [V,D]} (any float dtype) → {@code [T,D]}. */
    Tensor embedding(Tensor table, int[] ids);

    @Override default void close() {}
}
