package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.gpt4roi.tensor.DType;

/**
 * The rows of an F16 weight matrix that hold an Inf or a NaN, which the in-register F16 decode
 * kernel ({@link RowDot}) cannot convert and so computes another way. Weights in a read-only mapped
 * file (a model's) are scanned once per mapping and the answer kept for the mapping's lifetime
 * (keyed by its scope, held weakly, address and shape); any other F16 matrix is scanned at every
 * call, a second pass over it, since its memory may have changed.
 */
final class HalfScan {
    private HalfScan() {}

    private record Key(long address, int rows, int cols) {}

    private static final Map<MemorySegment.Scope, Map<Key, BitSet>> MAPPED = new WeakHashMap<>();

    /** The non-finite rows of {@code w} (F16); never modified by the caller. */
    static BitSet nonFiniteRows(Parallel par, WeightMatrix w) {
        if (w.dtype() != DType.F16) throw new IllegalArgumentException("only F16 weights are scanned, not " + w.dtype());
        if (!w.readOnlyFile()) return scan(par, w);
        Key key = new Key(w.segment().address(), w.rows(), w.cols());
        synchronized (MAPPED) {
            BitSet known = MAPPED.getOrDefault(w.segment().scope(), Map.of()).get(key);
            if (known != null) return known;
        }
        BitSet rows = scan(par, w);
        synchronized (MAPPED) { MAPPED.computeIfAbsent(w.segment().scope(), s -> new HashMap<>()).put(key, rows); }
        return rows;
    }

    /** One pass over the matrix, rows split over threads: four vector operations per 2·L elements. */
    private static BitSet scan(Parallel par, WeightMatrix w) {
        int k = w.cols(), end = RowDot.blockEnd(k), step = 2 * HalfVectors.LANES;
        MemorySegment seg = w.segment();
        boolean[] bad = new boolean[w.rows()];
        par.forRange(w.rows(), (n0, n1) -> {
            for (int n = n0; n < n1; n++) {
                long row = (long) n * k;
                IntVector flags = IntVector.zero(HalfVectors.INTS);
                for (int kk = 0; kk < end; kk += step) flags = flags.or(HalfVectors.f16NonFinite(HalfVectors.pairs(seg, row + kk)));
                boolean any = flags.reduceLanes(VectorOperators.OR) != 0;
                for (int kk = end; kk < k && !any; kk++) any = (seg.getAtIndex(HalfVectors.I16, row + kk) & 0x7c00) == 0x7c00;
                bad[n] = any;
            }
        });
        BitSet rows = new BitSet(w.rows());
        for (int n = 0; n < bad.length; n++) if (bad[n]) rows.set(n);
        return rows;
    }
}
