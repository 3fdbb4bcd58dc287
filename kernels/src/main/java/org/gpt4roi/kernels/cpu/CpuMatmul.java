package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
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
     * {@code y_i = x · w_iᵀ} for weights sharing K, as if they were one matrix (same bits as separate
     * products: each output is computed alone). One row of x: a single {@link #rowTimesWeights} pass
     * over all their rows. More rows: one {@link CpuGemm} call, x packed once for all the products.
     */
    static Tensor[] linears(Parallel par, Tensor x, Tensor... ws) {
        Tensor[] ys = new Tensor[ws.length];
        if (x.rank() != 2 || ws.length < 2 || x.dim(0) == 0 || x.dim(1) == 0) {
            for (int i = 0; i < ws.length; i++) ys[i] = linear(par, x, ws[i], null);
            return ys;
        }
        int m = x.dim(0), k = x.dim(1);
        WeightMatrix[] wms = new WeightMatrix[ws.length];
        MemorySegment[] outs = new MemorySegment[ws.length];
        for (int i = 0; i < ws.length; i++) {
            wms[i] = WeightMatrix.of(ws[i]);
            if (wms[i].cols() != k) throw new IllegalArgumentException("linears: x " + x + " and w " + ws[i] + " differ in K");
            ys[i] = Tensor.zeros(DType.F32, m, wms[i].rows());
            outs[i] = ys[i].segment();
        }
        Tensor xc = x.isContiguous() && x.dtype() == DType.F32 ? x : x.toF32();
        if (m == 1) {
            rowTimesWeights(par, xc.segment(), wms, outs);
            return ys;
        }
        CpuGemm.Product[] products = new CpuGemm.Product[ws.length];
        for (int i = 0; i < ws.length; i++) products[i] = new CpuGemm.Product(wms[i], null, outs[i], wms[i].rows(), 1);
        CpuGemm.multiply(par, rows(xc.segment(), k), m, k, products);
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

    /** Rows of the list a thread takes at a time: small enough to even out a core slowed by other work. */
    static final int ROW_CHUNK = 64;

    /**
     * {@code y_i[n] = x · w_i[n]} for several matrices with K columns, their rows taken as one list
     * (matrix 0's rows, then matrix 1's, ...) by the threads {@value #ROW_CHUNK} at a time from a
     * counter. A row's result does not depend on which thread or group computed it.
     */
    static void rowTimesWeights(Parallel par, MemorySegment x, WeightMatrix[] ws, MemorySegment[] ys) {
        int k = ws[0].cols(), total = 0;
        float[] xf = x.asSlice(0, k * 4L).toArray(HalfVectors.F32);
        RowDot.Operand[] operands = new RowDot.Operand[ws.length];
        BitSet[] nonFinite = new BitSet[ws.length];
        int[] first = new int[ws.length + 1];                       // matrix i holds list rows [first[i], first[i+1])
        for (int i = 0; i < ws.length; i++) {
            boolean sameAsPrevious = i > 0 && ws[i].dtype() == ws[i - 1].dtype();   // an operand depends on dtype and K only
            operands[i] = sameAsPrevious ? operands[i - 1] : RowDot.operand(ws[i], xf);
            if (ws[i].dtype() == DType.F16) nonFinite[i] = HalfScan.nonFiniteRows(par, ws[i]);
            first[i] = total;
            total += ws[i].rows();
        }
        first[ws.length] = total;
        int rows = total, chunks = (total + ROW_CHUNK - 1) / ROW_CHUNK;
        AtomicInteger next = new AtomicInteger();
        par.forRange(Math.min(par.threads(), chunks), (thread, unused) -> {
            RowDot[] kernels = new RowDot[ws.length];
            float[] dots = new float[RowDot.MAX_ROWS];
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                int r0 = c * ROW_CHUNK, r1 = Math.min(rows, r0 + ROW_CHUNK);
                for (int i = 0; i < ws.length; i++) {
                    int n0 = Math.max(r0, first[i]) - first[i], n1 = Math.min(r1, first[i + 1]) - first[i];
                    if (n0 >= n1) continue;
                    if (kernels[i] == null) kernels[i] = RowDot.of(operands[i], ws[i], nonFinite[i]);
                    int group = RowDot.rows(ws[i].dtype());
                    for (int n = n0; n < n1; n += group) {
                        kernels[i].dots(n, n1 - 1, dots);
                        for (int r = 0; r < Math.min(group, n1 - n); r++) ys[i].setAtIndex(HalfVectors.F32, n + r, dots[r]);
                    }
                }
            }
        });
    }
}
