package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * The transformer's own ops: rotate-half RoPE (HF LLaMA) and multi-head scaled dot-product
 * attention with an optional causal mask. Rows are {@code [tokens, heads·hd]}; head h occupies
 * columns {@code h·hd .. h·hd+hd-1}.
 */
final class CpuAttention {
    private CpuAttention() {}

    private static final VectorSpecies<Float> S = CpuVectors.FLOATS;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Rotate-half RoPE in place on {@code x[T, heads·hd]}, row t at position {@code startPos + t}:
     * {@code x'[i] = x[i]·cos - x[i+hd/2]·sin}, {@code x'[i+hd/2] = x[i+hd/2]·cos + x[i]·sin}
     * with angle {@code float(pos)·inv_freq[i]} rounded to float.
     */
    static void rope(Parallel par, Tensor x, int heads, int startPos, float theta) {
        if (x.rank() != 2 || heads <= 0 || x.dim(1) % heads != 0 || (x.dim(1) / heads) % 2 != 0)
            throw new IllegalArgumentException("rope: x must be [T, heads·hd] with even hd, got " + x + " for " + heads + " heads");
        int tokens = x.dim(0), width = x.dim(1), half = width / heads / 2;
        float[] invFreq = inverseFrequencies(2 * half, theta);
        Tensor target = CpuCopy.contiguous(x);
        MemorySegment seg = target.segment();
        par.forRange(tokens, (t0, t1) -> {
            float[] cos = new float[half], sin = new float[half];
            for (int t = t0; t < t1; t++) {
                float pos = startPos + t;
                for (int i = 0; i < half; i++) {
                    float angle = pos * invFreq[i];
                    cos[i] = (float) Math.cos(angle);
                    sin[i] = (float) Math.sin(angle);
                }
                for (int h = 0; h < heads; h++) rotate(seg, (long) t * width + (long) h * 2 * half, half, cos, sin);
            }
        });
        if (target != x) CpuCopy.copy(target, x);
    }

    /** {@code inv_freq[i] = 1 / theta^(2i/hd)} as PyTorch computes it in float32 (bit-identical to HF's buffer). */
    static float[] inverseFrequencies(int headDim, float theta) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1f / (float) Math.pow(theta, exponent);
        }
        return inv;
    }

    /** Rotates one head vector of {@code 2·half} floats at element {@code base}. */
    private static void rotate(MemorySegment seg, long base, int half, float[] cos, float[] sin) {
        int i = 0;
        for (int bound = S.loopBound(half); i < bound; i += S.length()) {
            long lo = (base + i) * 4, hi = (base + half + i) * 4;
            FloatVector a = FloatVector.fromMemorySegment(S, seg, lo, LE), b = FloatVector.fromMemorySegment(S, seg, hi, LE);
            FloatVector c = FloatVector.fromArray(S, cos, i), s = FloatVector.fromArray(S, sin, i);
            a.mul(c).sub(b.mul(s)).intoMemorySegment(seg, lo, LE);
            b.mul(c).add(a.mul(s)).intoMemorySegment(seg, hi, LE);
        }
        for (; i < half; i++) {
            float a = seg.getAtIndex(CpuCopy.F32, base + i), b = seg.getAtIndex(CpuCopy.F32, base + half + i);
            seg.setAtIndex(CpuCopy.F32, base + i, a * cos[i] - b * sin[i]);
            seg.setAtIndex(CpuCopy.F32, base + half + i, b * cos[i] + a * sin[i]);
        }
    }

    /**
     * {@code out[t,h] = Σ_s softmax_s(q[t,h]·k[s,h] / sqrt(hd)) · v[s,h]}; causal: query t sees keys
     * {@code 0..S-T+t}. Work is split over (head, query row) pairs.
     */
    static Tensor attention(Parallel par, Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        if (q.rank() != 2 || k.rank() != 2 || v.rank() != 2 || heads <= 0 || q.dim(1) % heads != 0
                || k.dim(1) != q.dim(1) || v.dim(1) != q.dim(1) || k.dim(0) != v.dim(0))
            throw new IllegalArgumentException("attention: need q[T,H·hd], k,v[S,H·hd] with " + heads + " heads, got "
                    + q + ", " + k + ", " + v);
        int tokens = q.dim(0), keys = k.dim(0), width = q.dim(1), hd = width / heads;
        if (causal && tokens > keys)
            throw new IllegalArgumentException("attention: causal with " + tokens + " queries but only " + keys + " keys");
        MemorySegment qs = CpuCopy.contiguous(q).segment(), ks = CpuCopy.contiguous(k).segment(), vs = CpuCopy.contiguous(v).segment();
        Tensor out = Tensor.zeros(DType.F32, tokens, width);
        MemorySegment os = out.segment();
        float scale = (float) Math.sqrt(hd);
        par.forRange(heads * tokens, (p0, p1) -> {
            float[] scores = new float[keys];
            float[] acc = new float[hd];
            for (int p = p0; p < p1; p++) {
                int h = p / tokens, t = p % tokens;
                int visible = causal ? keys - tokens + t + 1 : keys;
                long qRow = (long) t * width + (long) h * hd;
                for (int s = 0; s < visible; s++)
                    scores[s] = dot(qs, qRow, ks, (long) s * width + (long) h * hd, hd) / scale;
                softmax(scores, visible);
                java.util.Arrays.fill(acc, 0f);
                for (int s = 0; s < visible; s++) axpy(scores[s], vs, (long) s * width + (long) h * hd, acc, hd);
                MemorySegment.copy(acc, 0, os, CpuCopy.F32, qRow * 4, hd);
            }
        });
        return out;
    }

    /** {@code a[ao..ao+n) · b[bo..bo+n)}. */
    private static float dot(MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            acc = FloatVector.fromMemorySegment(S, a, (ao + i) * 4, LE).fma(FloatVector.fromMemorySegment(S, b, (bo + i) * 4, LE), acc);
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a.getAtIndex(CpuCopy.F32, ao + i) * b.getAtIndex(CpuCopy.F32, bo + i);
        return sum;
    }

    /** {@code acc += w · v[vo..vo+n)}. */
    private static void axpy(float w, MemorySegment v, long vo, float[] acc, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            FloatVector.fromMemorySegment(S, v, (vo + i) * 4, LE).fma(FloatVector.broadcast(S, w), FloatVector.fromArray(S, acc, i)).intoArray(acc, i);
        for (; i < n; i++) acc[i] += w * v.getAtIndex(CpuCopy.F32, vo + i);
    }

    /** Softmax of {@code x[0..n)} in place. */
    private static void softmax(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        int i = 0;
        FloatVector sum = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector e = FloatVector.fromArray(S, x, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, i);
            sum = sum.add(e);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) { x[i] = (float) Math.exp(x[i] - max); total += x[i]; }
        float inv = 1f / total;
        for (i = 0; i < n; i++) x[i] *= inv;
    }
}
