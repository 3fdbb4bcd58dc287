package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * Row statistics: LayerNorm, RMSNorm, GroupNorm (new tensors) and softmax (in place).
 * Sums run in short float-vector blocks whose totals are added in double, so a row of 4096
 * values keeps close to double accuracy at vector speed.
 */
final class CpuNorms {
    private CpuNorms() {}

    private static final VectorSpecies<Float> S = CpuVectors.FLOATS;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Elements summed in float before the running total is carried in double. */
    private static final int BLOCK = 8 * 16;

    /** LayerNorm over the last dim of {@code x[M,N]}: {@code (x - mean)/sqrt(var + eps)·w + b}, biased variance. */
    static Tensor layerNorm(Parallel par, Tensor x, Tensor w, Tensor b, float eps) {
        int rows = rows(x, "layerNorm"), n = x.dim(-1);
        float[] weight = vector(w, n, "layerNorm weight"), bias = vector(b, n, "layerNorm bias");
        MemorySegment in = CpuCopy.contiguous(x).segment();
        Tensor y = Tensor.zeros(DType.F32, x.shape());
        MemorySegment out = y.segment();
        par.forRange(rows, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * n;
                float mean = (float) (sum(in, row, n, 0f) / n);
                float var = (float) (sumSquares(in, row, n, mean) / n);
                float rstd = (float) (1.0 / Math.sqrt(var + eps));
                affine(in, out, row, n, mean, rstd, weight, bias, PER_ELEMENT);
            }
        });
        return y;
    }

    /** RMSNorm over the last dim of {@code x[M,N]}: {@code w ⊙ x / sqrt(mean(x²) + eps)}. */
    static Tensor rmsNorm(Parallel par, Tensor x, Tensor w, float eps) {
        int rows = rows(x, "rmsNorm"), n = x.dim(-1);
        float[] weight = vector(w, n, "rmsNorm weight");
        MemorySegment in = CpuCopy.contiguous(x).segment();
        Tensor y = Tensor.zeros(DType.F32, x.shape());
        MemorySegment out = y.segment();
        par.forRange(rows, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * n;
                float meanSquare = (float) (sumSquares(in, row, n, 0f) / n);
                float rstd = (float) (1.0 / Math.sqrt(meanSquare + eps));
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector v = FloatVector.fromMemorySegment(S, in, (row + i) * 4, LE).mul(rstd);
                    FloatVector.fromArray(S, weight, i).mul(v).intoMemorySegment(out, (row + i) * 4, LE);
                }
                for (; i < n; i++) out.setAtIndex(CpuCopy.F32, row + i, weight[i] * (in.getAtIndex(CpuCopy.F32, row + i) * rstd));
            }
        });
        return y;
    }

    /**
     * GroupNorm of {@code x[N,C,L]}: statistics over each of {@code groups} contiguous channel groups
     * of a sample ({@code C/groups·L} values), then per-channel weight and bias {@code [C]}.
     */
    static Tensor groupNorm(Parallel par, Tensor x, int groups, Tensor w, Tensor b, float eps) {
        if (x.rank() != 3) throw new IllegalArgumentException("groupNorm: x must be [N,C,L], got " + x);
        int batch = x.dim(0), channels = x.dim(1), len = x.dim(2);
        if (groups <= 0 || channels % groups != 0)
            throw new IllegalArgumentException("groupNorm: " + channels + " channels do not split into " + groups + " groups");
        float[] weight = vector(w, channels, "groupNorm weight"), bias = vector(b, channels, "groupNorm bias");
        int perGroup = channels / groups;
        long groupSize = (long) perGroup * len;
        MemorySegment in = CpuCopy.contiguous(x).segment();
        Tensor y = Tensor.zeros(DType.F32, x.shape());
        MemorySegment out = y.segment();
        par.forRange(batch * groups, (g0, g1) -> {
            for (int g = g0; g < g1; g++) {
                long start = g * groupSize;
                float mean = (float) (sum(in, start, groupSize, 0f) / groupSize);
                float var = (float) (sumSquares(in, start, groupSize, mean) / groupSize);
                float rstd = (float) (1.0 / Math.sqrt(var + eps));
                int c0 = (g % groups) * perGroup;
                for (int c = 0; c < perGroup; c++)
                    affine(in, out, start + (long) c * len, len, mean, rstd, weight, bias, c0 + c);
            }
        });
        return y;
    }

    /** Softmax over the last dim of {@code x[M,N]}, in place. */
    static void softmax(Parallel par, Tensor x) {
        int rows = rows(x, "softmax"), n = x.dim(-1);
        Tensor target = CpuCopy.contiguous(x);
        MemorySegment seg = target.segment();
        par.forRange(rows, (r0, r1) -> {
            for (int r = r0; r < r1; r++) softmaxRow(seg, (long) r * n, n);
        });
        if (target != x) CpuCopy.copy(target, x);
    }

    /** Softmax of {@code n} floats at element offset {@code row} of {@code seg}, in place: exp(x - max) / Σ. */
    static void softmaxRow(MemorySegment seg, long row, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0, bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += S.length()) m = m.max(FloatVector.fromMemorySegment(S, seg, (row + i) * 4, LE));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) max = Math.max(max, seg.getAtIndex(CpuCopy.F32, row + i));
        i = 0;
        for (; i < bound; i += S.length()) {
            long o = (row + i) * 4;
            VectorMath.exp(FloatVector.fromMemorySegment(S, seg, o, LE).sub(max)).intoMemorySegment(seg, o, LE);
        }
        for (; i < n; i++) seg.setAtIndex(CpuCopy.F32, row + i, VectorMath.exp(seg.getAtIndex(CpuCopy.F32, row + i) - max));
        float inv = (float) (1.0 / sum(seg, row, n, 0f));
        i = 0;
        for (; i < bound; i += S.length()) {
            long o = (row + i) * 4;
            FloatVector.fromMemorySegment(S, seg, o, LE).mul(inv).intoMemorySegment(seg, o, LE);
        }
        for (; i < n; i++) seg.setAtIndex(CpuCopy.F32, row + i, seg.getAtIndex(CpuCopy.F32, row + i) * inv);
    }

    /** {@code channel} value for an affine step with one weight per element (LayerNorm). */
    private static final int PER_ELEMENT = -1;

    /** {@code out[i] = (in[i] - mean)·rstd·w[c] + b[c]} over {@code n} elements; c = {@code channel}, or i for {@link #PER_ELEMENT}. */
    private static void affine(MemorySegment in, MemorySegment out, long start, int n, float mean, float rstd,
                               float[] w, float[] b, int channel) {
        boolean perElement = channel == PER_ELEMENT;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            long o = (start + i) * 4;
            FloatVector v = FloatVector.fromMemorySegment(S, in, o, LE).sub(mean).mul(rstd);
            FloatVector wv = perElement ? FloatVector.fromArray(S, w, i) : FloatVector.broadcast(S, w[channel]);
            FloatVector bv = perElement ? FloatVector.fromArray(S, b, i) : FloatVector.broadcast(S, b[channel]);
            v.mul(wv).add(bv).intoMemorySegment(out, o, LE);
        }
        for (; i < n; i++) {
            int c = perElement ? i : channel;
            out.setAtIndex(CpuCopy.F32, start + i, (in.getAtIndex(CpuCopy.F32, start + i) - mean) * rstd * w[c] + b[c]);
        }
    }

    /** Σ (x[i] - shift) over {@code n} floats from element {@code start}. */
    private static double sum(MemorySegment seg, long start, long n, float shift) {
        return blockSum(seg, start, n, shift, false);
    }

    /** Σ (x[i] - shift)² over {@code n} floats from element {@code start}. */
    private static double sumSquares(MemorySegment seg, long start, long n, float shift) {
        return blockSum(seg, start, n, shift, true);
    }

    private static double blockSum(MemorySegment seg, long start, long n, float shift, boolean square) {
        double total = 0;
        long i = 0;
        long vectorEnd = n - n % S.length();
        while (i < vectorEnd) {
            long blockEnd = Math.min(vectorEnd, i + BLOCK);
            FloatVector acc = FloatVector.zero(S);
            for (; i < blockEnd; i += S.length()) {
                FloatVector d = FloatVector.fromMemorySegment(S, seg, (start + i) * 4, LE).sub(shift);
                acc = square ? d.fma(d, acc) : acc.add(d);
            }
            total += LaneSums.sum(acc);
        }
        for (; i < n; i++) {
            double d = seg.getAtIndex(CpuCopy.F32, start + i) - shift;
            total += square ? d * d : d;
        }
        return total;
    }

    private static int rows(Tensor x, String op) {
        if (x.rank() < 1) throw new IllegalArgumentException(op + ": needs at least one dimension, got " + x);
        return Math.toIntExact(x.numel() / Math.max(1, x.dim(-1)));
    }

    private static float[] vector(Tensor t, int n, String what) {
        if (t == null || t.numel() != n)
            throw new IllegalArgumentException(what + " must have " + n + " elements, got " + t);
        return CpuCopy.floats(t);
    }
}
