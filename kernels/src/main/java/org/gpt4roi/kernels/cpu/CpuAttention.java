package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
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
     * {@code 0..S-T+t}. A prefill runs as small matrix products over blocks of query rows; a decode
     * step (or a head size that is no multiple of the vector length) streams the K/V rows once for all heads.
     */
    static Tensor attention(Parallel par, Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        if (q.rank() != 2 || k.rank() != 2 || v.rank() != 2 || heads <= 0 || q.dim(1) % heads != 0
                || k.dim(1) != q.dim(1) || v.dim(1) != q.dim(1) || k.dim(0) != v.dim(0))
            throw new IllegalArgumentException("attention: need q[T,H·hd], k,v[S,H·hd] with " + heads + " heads, got "
                    + q + ", " + k + ", " + v);
        int tokens = q.dim(0), keys = k.dim(0), hd = q.dim(1) / heads;
        if (causal && tokens > keys)
            throw new IllegalArgumentException("attention: causal with " + tokens + " queries but only " + keys + " keys");
        Heads op = new Heads(CpuCopy.contiguous(q).segment(), CpuCopy.contiguous(k).segment(), CpuCopy.contiguous(v).segment(),
                Tensor.zeros(DType.F32, tokens, q.dim(1)), tokens, keys, heads, hd, causal);
        if (tokens >= BLOCK && hd % S.length() == 0) prefill(par, op);
        else fewRows(par, op);
        return op.out();
    }

    /** Query rows per block of the prefill kernel (one vector accumulator each). */
    private static final int BLOCK = 8;

    /** The operands of one attention call, as contiguous {@code [rows, heads·hd]} segments. */
    private record Heads(MemorySegment q, MemorySegment k, MemorySegment v, Tensor out,
                         int tokens, int keys, int heads, int hd, boolean causal) {
        int width() { return heads * hd; }
        float scale() { return (float) Math.sqrt(hd); }
        /** Keys seen by query row t. */
        int visible(int t) { return causal ? keys - tokens + t + 1 : keys; }
    }

    /**
     * Few query rows (a decode step), split over threads by heads: each thread streams its heads'
     * columns of every K row once ({@code scores[t,h,s] = q[t,h]·k[s,h] / sqrt(hd)}), takes a softmax
     * per (t, h), then streams the same columns of every V row ({@code out[t,h] = Σ_s p[t,h,s]·v[s,h]}).
     * One head at a time over {@code [S, H·hd]} would read 512-byte pieces 8 KiB apart, which the
     * prefetchers follow badly; a thread's heads are adjacent, so its pieces are {@code H·hd/threads} wide.
     */
    private static void fewRows(Parallel par, Heads op) {
        int width = op.width(), hd = op.hd(), tokens = op.tokens(), keys = op.keys();
        float scale = op.scale();
        float[] q = op.q().asSlice(0, (long) tokens * width * 4).toArray(CpuCopy.F32);       // [T, H·hd]
        MemorySegment out = op.out().segment();
        par.forRange(op.heads(), (h0, h1) -> {
            int from = h0 * hd, cols = (h1 - h0) * hd, heads = h1 - h0;
            float[] row = new float[cols], acc = new float[cols];
            float[] scores = new float[tokens * heads * keys];                               // [T, heads, S]
            for (int s = 0; s < keys; s++) {
                MemorySegment.copy(op.k(), CpuCopy.F32, ((long) s * width + from) * 4, row, 0, cols);
                for (int t = 0; t < tokens; t++) {
                    if (s >= op.visible(t)) continue;
                    for (int h = 0; h < heads; h++)
                        scores[(t * heads + h) * keys + s] = dot(q, t * width + from + h * hd, row, h * hd, hd) / scale;
                }
            }
            for (int t = 0; t < tokens; t++)
                for (int h = 0; h < heads; h++) softmax(scores, (t * heads + h) * keys, op.visible(t));
            for (int t = 0; t < tokens; t++) {
                Arrays.fill(acc, 0f);
                for (int s = 0; s < op.visible(t); s++) {
                    MemorySegment.copy(op.v(), CpuCopy.F32, ((long) s * width + from) * 4, row, 0, cols);
                    for (int h = 0; h < heads; h++) weightedAdd(scores[(t * heads + h) * keys + s], row, acc, h * hd, hd);
                }
                MemorySegment.copy(acc, 0, out, CpuCopy.F32, ((long) t * width + from) * 4, cols);
            }
        });
    }

    /**
     * Blocks of {@link #BLOCK} query rows of one head: {@code scores[8,S] = q[8,hd]·kᵀ} from a transposed
     * copy of the head's keys, a softmax per row, then {@code out[8,hd] = scores·v} from a dense copy of
     * its values (in {@code [S, H·hd]} the rows of one head lie one cache set apart and thrash the caches).
     * Work is split over (head, block) pairs; a task copies a head once.
     */
    private static void prefill(Parallel par, Heads op) {
        int width = op.width(), hd = op.hd(), keys = op.keys(), tokens = op.tokens(), lanes = S.length();
        int blocks = (tokens + BLOCK - 1) / BLOCK, padded = (keys + lanes - 1) / lanes * lanes;
        MemorySegment out = op.out().segment();
        par.forRange(op.heads() * blocks, (p0, p1) -> {
            float[] keysT = new float[hd * padded], values = new float[keys * hd];
            float[] queries = new float[BLOCK * hd], scores = new float[BLOCK * padded];
            int copiedHead = -1;
            for (int p = p0; p < p1; p++) {
                int h = p / blocks, t0 = p % blocks * BLOCK, rows = Math.min(BLOCK, tokens - t0);
                if (h != copiedHead) { copyHead(op, h, keysT, padded, values); copiedHead = h; }
                for (int r = 0; r < BLOCK; r++)   // a short last block repeats its last row
                    MemorySegment.copy(op.q(), CpuCopy.F32, ((long) (t0 + Math.min(r, rows - 1)) * width + (long) h * hd) * 4, queries, r * hd, hd);
                int count = op.visible(t0 + rows - 1);
                blockScores(queries, keysT, padded, hd, count, op.scale(), scores);
                for (int r = 0; r < BLOCK; r++) {
                    int visible = op.visible(t0 + Math.min(r, rows - 1));
                    softmax(scores, r * padded, visible);
                    Arrays.fill(scores, r * padded + visible, r * padded + count, 0f);
                }
                blockValues(scores, padded, values, hd, count, out, (long) t0 * width + (long) h * hd, width, rows);
            }
        });
    }

    /** Keys of head h transposed to {@code keysT[hd, padded]} (zero beyond S) and values to dense {@code values[S, hd]}. */
    private static void copyHead(Heads op, int h, float[] keysT, int padded, float[] values) {
        int hd = op.hd();
        float[] row = new float[hd];
        for (int s = 0; s < op.keys(); s++) {
            long at = ((long) s * op.width() + (long) h * hd) * 4;
            MemorySegment.copy(op.k(), CpuCopy.F32, at, row, 0, hd);
            for (int i = 0; i < hd; i++) keysT[i * padded + s] = row[i];
            MemorySegment.copy(op.v(), CpuCopy.F32, at, values, s * hd, hd);
        }
    }

    /** {@code scores[r, s] = q[r]·k[s] / scale} for 8 rows and keys {@code s < count} (rounded up to whole vectors). */
    private static void blockScores(float[] q, float[] keysT, int padded, int hd, int count, float scale, float[] scores) {
        for (int s = 0; s < count; s += S.length()) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int i = 0; i < hd; i++) {
                FloatVector kv = FloatVector.fromArray(S, keysT, i * padded + s);
                a0 = fma(kv, q[i], a0);
                a1 = fma(kv, q[hd + i], a1);
                a2 = fma(kv, q[2 * hd + i], a2);
                a3 = fma(kv, q[3 * hd + i], a3);
                a4 = fma(kv, q[4 * hd + i], a4);
                a5 = fma(kv, q[5 * hd + i], a5);
                a6 = fma(kv, q[6 * hd + i], a6);
                a7 = fma(kv, q[7 * hd + i], a7);
            }
            a0.div(scale).intoArray(scores, s);
            a1.div(scale).intoArray(scores, padded + s);
            a2.div(scale).intoArray(scores, 2 * padded + s);
            a3.div(scale).intoArray(scores, 3 * padded + s);
            a4.div(scale).intoArray(scores, 4 * padded + s);
            a5.div(scale).intoArray(scores, 5 * padded + s);
            a6.div(scale).intoArray(scores, 6 * padded + s);
            a7.div(scale).intoArray(scores, 7 * padded + s);
        }
    }

    /** {@code out[r] = Σ_{s<count} p[r, s]·v[s]} for the first {@code rows} of 8 rows, one vector of columns at a time. */
    private static void blockValues(float[] p, int padded, float[] values, int hd, int count,
                                    MemorySegment out, long outBase, int width, int rows) {
        for (int c = 0; c < hd; c += S.length()) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int s = 0; s < count; s++) {
                FloatVector vv = FloatVector.fromArray(S, values, s * hd + c);
                a0 = fma(vv, p[s], a0);
                a1 = fma(vv, p[padded + s], a1);
                a2 = fma(vv, p[2 * padded + s], a2);
                a3 = fma(vv, p[3 * padded + s], a3);
                a4 = fma(vv, p[4 * padded + s], a4);
                a5 = fma(vv, p[5 * padded + s], a5);
                a6 = fma(vv, p[6 * padded + s], a6);
                a7 = fma(vv, p[7 * padded + s], a7);
            }
            long at = outBase + c;
            storeRow(a0, 0, rows, out, at, width);
            storeRow(a1, 1, rows, out, at, width);
            storeRow(a2, 2, rows, out, at, width);
            storeRow(a3, 3, rows, out, at, width);
            storeRow(a4, 4, rows, out, at, width);
            storeRow(a5, 5, rows, out, at, width);
            storeRow(a6, 6, rows, out, at, width);
            storeRow(a7, 7, rows, out, at, width);
        }
    }

    /** {@code a[ao..ao+n) · b[bo..bo+n)}, with four independent accumulators to hide the FMA latency. */
    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int step = S.length(), i = 0;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int bound = n - n % (4 * step); i < bound; i += 4 * step) {
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(S, a, ao + i + step).fma(FloatVector.fromArray(S, b, bo + i + step), acc1);
            acc2 = FloatVector.fromArray(S, a, ao + i + 2 * step).fma(FloatVector.fromArray(S, b, bo + i + 2 * step), acc2);
            acc3 = FloatVector.fromArray(S, a, ao + i + 3 * step).fma(FloatVector.fromArray(S, b, bo + i + 3 * step), acc3);
        }
        for (int bound = S.loopBound(n); i < bound; i += step)
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
        float sum = LaneSums.sum(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /** {@code acc[at..at+n) += w · v[at..at+n)}. */
    private static void weightedAdd(float w, float[] v, float[] acc, int at, int n) {
        FloatVector ws = FloatVector.broadcast(S, w);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            FloatVector.fromArray(S, v, at + i).fma(ws, FloatVector.fromArray(S, acc, at + i)).intoArray(acc, at + i);
        for (; i < n; i++) acc[at + i] += w * v[at + i];
    }

    /** Stores row r of a block at element {@code at + r·width}, unless the block has fewer rows. */
    private static void storeRow(FloatVector row, int r, int rows, MemorySegment out, long at, int width) {
        if (r < rows) row.intoMemorySegment(out, (at + (long) r * width) * 4, LE);
    }

    /** {@code v·w + acc} with the scalar w in every lane. */
    private static FloatVector fma(FloatVector v, float w, FloatVector acc) {
        return v.fma(FloatVector.broadcast(S, w), acc);
    }


    /** Softmax of {@code x[from..from+n)} in place. */
    private static void softmax(float[] x, int from, int n) {
        int end = from + n;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < end; i++) max = Math.max(max, x[i]);
        int i = from;
        FloatVector sum = FloatVector.zero(S);
        for (int bound = from + S.loopBound(n); i < bound; i += S.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, i).sub(max));
            e.intoArray(x, i);
            sum = sum.add(e);
        }
        float total = LaneSums.sum(sum);
        for (; i < end; i++) { x[i] = VectorMath.exp(x[i] - max); total += x[i]; }
        float inv = 1f / total;
        for (i = from; i < end; i++) x[i] *= inv;
    }
}
