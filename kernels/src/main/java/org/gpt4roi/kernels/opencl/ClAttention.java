package org.gpt4roi.kernels.opencl;

import static org.gpt4roi.kernels.opencl.OpenClBackend.require;
import static org.gpt4roi.kernels.opencl.OpenClBackend.shape;

import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/** RoPE and multi-head attention on the kernels of attention.cl. */
final class ClAttention {
    private ClAttention() {}

    private static final int ATT_WG = 128, MAX_HD = 256;

    /** Rotate-half RoPE in place on {@code x[T, heads·hd]}, row t at position {@code startPos + t}. */
    static void rope(OpenClBackend b, Tensor x, int heads, int startPos, float theta) {
        require(x.rank() == 2 && heads > 0 && x.dim(1) % heads == 0 && (x.dim(1) / heads) % 2 == 0, "rope",
                "x " + shape(x) + " is not [T, heads·hd] with " + heads + " heads of even size");
        int t = x.dim(0), hd = x.dim(1) / heads;
        if (t == 0) return;
        Tensor invFreq = b.constant("rope inv_freq " + hd + " " + theta, () -> inverseFrequencies(hd, theta));
        Tensor rows = rowsOf(b, x);
        b.launch("attention", "", "rope", new long[] {hd / 2, heads, t}, new long[] {64, 1, 1},
                rows, Math.toIntExact(rows.stride(0)), invFreq, heads, hd, startPos, t);
        if (rows != x) b.copy(rows, x);
    }

    /** {@code inv_freq[i] = 1 / theta^(2i/hd)} in float32 as PyTorch computes it. */
    static float[] inverseFrequencies(int hd, float theta) {
        float[] f = new float[hd / 2];
        for (int i = 0; i < f.length; i++) f[i] = 1.0f / (float) Math.pow(theta, (float) (2 * i) / hd);
        return f;
    }

    /** {@code q[T, H·hd]}, {@code k, v[S, H·hd]} → {@code [T, H·hd]}; causal: query t sees keys 0..S-T+t. */
    static Tensor attention(OpenClBackend b, Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        require(q.rank() == 2 && k.rank() == 2 && v.rank() == 2, "attention", "q, k, v must be 2-D: " + shape(q) + shape(k) + shape(v));
        int t = q.dim(0), s = k.dim(0), width = q.dim(1);
        require(heads > 0 && width % heads == 0 && k.dim(1) == width && v.dim(1) == width && v.dim(0) == s, "attention",
                "q " + shape(q) + ", k " + shape(k) + ", v " + shape(v) + " do not fit " + heads + " heads");
        require(!causal || s >= t, "attention", "causal attention needs at least as many keys (" + s + ") as queries (" + t + ")");
        int hd = width / heads;
        require(hd <= MAX_HD, "attention", "head size " + hd + " is above " + MAX_HD);
        Tensor out = b.newTensor(t, width);
        if (t == 0 || width == 0) return out;
        Tensor qr = rowsOf(b, q), kr = rowsOf(b, k), vr = rowsOf(b, v);
        ClBuffer scores = b.allocate(4L * t * heads * Math.max(s, 1), null);
        b.launch("attention", "", "attention", new long[] {(long) t * heads * ATT_WG}, new long[] {ATT_WG},
                qr, Math.toIntExact(qr.stride(0)), kr, Math.toIntExact(kr.stride(0)), vr, Math.toIntExact(vr.stride(0)),
                out, scores, t, s, heads, hd, causal ? 1 : 0, (float) (1.0 / Math.sqrt(hd)));
        scores.release();
        return out;
    }

    /** A 2-D F32 view whose rows can be read directly (unit column stride), else a contiguous copy. */
    static Tensor rowsOf(OpenClBackend b, Tensor x) {
        Tensor d = b.onDevice(x);
        if (d.dtype() == DType.F32 && (d.stride(1) == 1 || d.dim(1) == 1) && d.stride(0) >= d.dim(1)) return d;
        return b.f32(d);
    }
}
