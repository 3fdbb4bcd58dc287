package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;

/**
 * {@code y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias[N])} with w F32, F16 or BF16 used in place (any byte
 * alignment). One row (decode) is bandwidth bound: {@link #rowTimesWeights} streams w once, row by
 * row, split over threads by rows of w. More rows go to the blocked kernel {@link CpuGemm}.
 * A non-contiguous x is copied first; the result is a new contiguous F32 tensor.
 */
final class CpuMatmul {
    private CpuMatmul() {}

    static Tensor linear(Parallel par, Tensor x, Tensor w, Tensor bias) {
        if (x.rank() != 2) throw new IllegalArgumentException("linear: x must be [M,K], got " + x);
        WeightMatrix wm = WeightMatrix.of(w);
        int m = x.dim(0), k = x.dim(1), n = wm.rows();
        if (wm.cols() != k) throw new IllegalArgumentException("linear: x " + x + " and w " + w + " differ in K");
        if (bias != null && bias.numel() != n) throw new IllegalArgumentException("linear: bias " + bias + " is not [" + n + "]");
        Tensor xc = x.isContiguous() && x.dtype() == DType.F32 ? x : x.toF32();
        float[] b = bias == null ? null : bias.toFloatArray();
        Tensor y = Tensor.zeros(DType.F32, m, n);
        MemorySegment xs = xc.segment(), ys = y.segment();
        if (m == 0 || n == 0) return y;
        if (k == 0) {                                               // empty sums: y = bias
            if (b != null) for (int i = 0; i < m; i++) MemorySegment.copy(b, 0, ys, HalfVectors.F32, (long) i * n * 4, n);
            return y;
        }
        if (m == 1) rowTimesWeights(par, xs, wm, b, ys);
        else CpuGemm.multiply(par, rows(xs, k), m, wm, b, ys, n, 1);
        return y;
    }

    /**
     * {@code y_i = x · w_iᵀ} for weights sharing K. One row of x: a single {@link #rowTimesWeights}
     * pass over all their rows, as if they were one matrix (same bits as separate products: each
     * row's dot product is computed alone). More rows: one {@link CpuGemm} product per weight.
     */
    static Tensor[] linears(Parallel par, Tensor x, Tensor... ws) {
        Tensor[] ys = new Tensor[ws.length];
        if (x.rank() != 2 || x.dim(0) != 1 || ws.length < 2) {
            for (int i = 0; i < ws.length; i++) ys[i] = linear(par, x, ws[i], null);
            return ys;
        }
        int k = x.dim(1);
        WeightMatrix[] wms = new WeightMatrix[ws.length];
        MemorySegment[] outs = new MemorySegment[ws.length];
        for (int i = 0; i < ws.length; i++) {
            wms[i] = WeightMatrix.of(ws[i]);
            if (wms[i].cols() != k) throw new IllegalArgumentException("linears: x " + x + " and w " + ws[i] + " differ in K");
            ys[i] = Tensor.zeros(DType.F32, 1, wms[i].rows());
            outs[i] = ys[i].segment();
        }
        Tensor xc = x.isContiguous() && x.dtype() == DType.F32 ? x : x.toF32();
        rowTimesWeights(par, xc.segment(), wms, outs);
        return ys;
    }

    /** The rows of a contiguous F32 matrix {@code [M,K]} as a GEMM left operand. */
    static CpuGemm.RowSource rows(MemorySegment x, int k) {
        return (m0, m1, k0, k1, dst, ld) -> {
            for (int r = m0; r < m1; r++)
                MemorySegment.copy(x, HalfVectors.F32, ((long) r * k + k0) * 4, dst, (r - m0) * ld, k1 - k0);
        };
    }

    /**
     * {@code y[n] = x · w[n] (+ b[n])} for one row x[K]; w streams through once, split over threads by
     * rows; x is put once into the order the weight type's kernel reads it ({@link RowDot#operand}).
     * F16 weights are first checked for Inf/NaN rows ({@link HalfScan}: once per read-only mapping).
     */
    static void rowTimesWeights(Parallel par, MemorySegment x, WeightMatrix w, float[] b, MemorySegment y) {
        rowTimesWeights(par, x, new WeightMatrix[] {w}, new MemorySegment[] {y});
        if (b != null) for (int n = 0; n < w.rows(); n++) y.setAtIndex(HalfVectors.F32, n, y.getAtIndex(HalfVectors.F32, n) + b[n]);
    }

    /**
     * {@code y_i[n] = x · w_i[n]} for several matrices with K columns, their rows split over threads as
     * one list (matrix 0's rows, then matrix 1's, ...), in groups of {@link RowDot#rows} of the first.
     */
    static void rowTimesWeights(Parallel par, MemorySegment x, WeightMatrix[] ws, MemorySegment[] ys) {
        int k = ws[0].cols(), total = 0;
        float[] xf = x.asSlice(0, k * 4L).toArray(HalfVectors.F32);
        RowDot.Operand[] operands = new RowDot.Operand[ws.length];
        BitSet[] nonFinite = new BitSet[ws.length];
        int[] first = new int[ws.length + 1];                       // matrix i holds list rows [first[i], first[i+1])
        for (int i = 0; i < ws.length; i++) {
            operands[i] = RowDot.operand(ws[i], xf);
            if (ws[i].dtype() == DType.F16) nonFinite[i] = HalfScan.nonFiniteRows(par, ws[i]);
            first[i] = total;
            total += ws[i].rows();
        }
        first[ws.length] = total;
        par.forRange(total, RowDot.rows(ws[0].dtype()), (r0, r1) -> {
            for (int i = 0; i < ws.length; i++) {
                int n0 = Math.max(r0, first[i]) - first[i], n1 = Math.min(r1, first[i + 1]) - first[i];
                if (n0 >= n1) continue;
                RowDot rowDot = RowDot.of(operands[i], ws[i], nonFinite[i]);
                int group = RowDot.rows(ws[i].dtype());
                float[] dots = new float[group];
                for (int n = n0; n < n1; n += group) {
                    rowDot.dots(n, n1 - 1, dots);
                    for (int r = 0; r < Math.min(group, n1 - n); r++) ys[i].setAtIndex(HalfVectors.F32, n + r, dots[r]);
                }
            }
        });
    }
}
