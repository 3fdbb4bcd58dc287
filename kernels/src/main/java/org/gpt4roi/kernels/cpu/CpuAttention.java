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

    /** Key rows per share of the score pass; value rows per partial sum of the value pass (a fixed split). */
    private static final int KEY_GRAIN = 16, VALUE_CHUNK = 64;

    /** Few query rows (a decode step), or a head size the prefill kernel does not take: groups of {@link #BLOCK} rows. */
    private static void fewRows(Parallel par, Heads op) {
        for (int t0 = 0; t0 < op.tokens(); t0 += BLOCK) rowGroup(par, op, t0, Math.min(op.tokens(), t0 + BLOCK));
    }

    /**
     * Query rows {@code [t0, t1)}, all heads, reading K and V as whole rows straight from the cache: the
     * threads take ranges of key rows (one sequential stream each) for
     * {@code scores[t,h,s] = q[t,h]·k[s,h] / sqrt(hd)}; a softmax per (t, h) on the calling thread; then
     * chunks of {@value #VALUE_CHUNK} value rows, each summed into its own partial
     * {@code Σ_s p[t,h,s]·v[s,h]}, and the partials added in chunk order. The chunks are fixed, so the bits
     * depend neither on the thread count nor on which thread took which chunk. Against splitting the heads
     * over the threads (each reading half of every row: 8 KiB pieces 16 KiB apart, through a row copy),
     * a LLaMA-7B decode step measured 1.08× faster over 316 cached positions and 1.34× over 1024
     * (caches beyond L3, paired calls, 2 threads).
     */
    private static void rowGroup(Parallel par, Heads op, int t0, int t1) {
        int width = op.width(), hd = op.hd(), heads = op.heads(), rows = t1 - t0, keys = op.visible(t1 - 1);
        float scale = op.scale();
        float[] q = op.q().asSlice((long) t0 * width * 4, (long) rows * width * 4).toArray(CpuCopy.F32);   // [rows, H·hd]
        float[] scores = new float[rows * heads * keys];                                    // [rows, H, keys]
        par.forRange(keys, KEY_GRAIN, (s0, s1) -> {
            for (int s = s0; s < s1; s++)
                for (int r = 0; r < rows; r++) {
                    if (s >= op.visible(t0 + r)) continue;
                    for (int h = 0; h < heads; h++)
                        scores[(r * heads + h) * keys + s] = dot(q, r * width + h * hd, op.k(), (long) s * width + h * hd, hd) / scale;
                }
        });
        for (int p = 0; p < rows * heads; p++) softmax(scores, p * keys, op.visible(t0 + p / heads));   // cheaper than a hand-off
        int chunks = (keys + VALUE_CHUNK - 1) / VALUE_CHUNK;
        float[] partial = new float[chunks * rows * width];                                 // [chunks, rows, H·hd]
        par.forRange(chunks, (c0, c1) -> {
            for (int c = c0; c < c1; c++)
                for (int s = c * VALUE_CHUNK; s < Math.min(keys, (c + 1) * VALUE_CHUNK); s++)
                    for (int r = 0; r < rows; r++) {
                        if (s >= op.visible(t0 + r)) continue;
                        for (int h = 0; h < heads; h++)
                            weightedAdd(scores[(r * heads + h) * keys + s], op.v(), (long) s * width + h * hd,
                                    partial, (c * rows + r) * width + h * hd, hd);
                    }
        });
        MemorySegment out = op.out().segment();
        int i = 0, n = rows * width;                                                        // out = partial 0 + partial 1 + …
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector sum = FloatVector.zero(S);
            for (int c = 0; c < chunks; c++) sum = sum.add(FloatVector.fromArray(S, partial, c * n + i));
            sum.intoMemorySegment(out, ((long) t0 * width + i) * 4, LE);
        }
        for (; i < n; i++) {
            float sum = 0;
            for (int c = 0; c < chunks; c++) sum += partial[c * n + i];
            out.setAtIndex(CpuCopy.F32, (long) t0 * width + i, sum);
        }
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

    /** {@code a[ao..ao+n) · b[bo..bo+n)} (b: floats of a segment), with four independent accumulators to hide the FMA latency. */
    private static float dot(float[] a, int ao, MemorySegment b, long bo, int n) {
        int step = S.length(), i = 0;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int bound = n - n % (4 * step); i < bound; i += 4 * step) {
            long at = (bo + i) * 4;
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromMemorySegment(S, b, at, LE), acc0);
            acc1 = FloatVector.fromArray(S, a, ao + i + step).fma(FloatVector.fromMemorySegment(S, b, at + 4L * step, LE), acc1);
            acc2 = FloatVector.fromArray(S, a, ao + i + 2 * step).fma(FloatVector.fromMemorySegment(S, b, at + 8L * step, LE), acc2);
            acc3 = FloatVector.fromArray(S, a, ao + i + 3 * step).fma(FloatVector.fromMemorySegment(S, b, at + 12L * step, LE), acc3);
        }
        for (int bound = S.loopBound(n); i < bound; i += step)
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromMemorySegment(S, b, (bo + i) * 4, LE), acc0);
        float sum = LaneSums.sum(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) sum += a[ao + i] * b.getAtIndex(CpuCopy.F32, bo + i);
        return sum;
    }

    /** {@code acc[at..at+n) += w · v[vo..vo+n)} (v: floats of a segment). */
    private static void weightedAdd(float w, MemorySegment v, long vo, float[] acc, int at, int n) {
        FloatVector ws = FloatVector.broadcast(S, w);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            FloatVector.fromMemorySegment(S, v, (vo + i) * 4, LE).fma(ws, FloatVector.fromArray(S, acc, at + i)).intoArray(acc, at + i);
        for (; i < n; i++) acc[at + i] += w * v.getAtIndex(CpuCopy.F32, vo + i);
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
