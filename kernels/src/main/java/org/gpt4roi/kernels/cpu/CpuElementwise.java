package org.gpt4roi.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.gpt4roi.tensor.Tensor;

/**
 * In-place element-wise ops over F32 tensors: {@code add}, {@code relu}, {@code quickGelu}, {@code siluMul}.
 * A strided target is processed in a contiguous copy and written back, so views work too.
 */
final class CpuElementwise {
    private CpuElementwise() {}

    private static final VectorSpecies<Float> S = CpuVectors.FLOATS;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Elements per parallel chunk: big enough to amortise a task, a multiple of any vector length. */
    private static final int GRAIN = 1 << 14;

    /** One element-wise body over {@code [start, end)} of the (contiguous) target and operand. */
    private interface Body { void run(MemorySegment x, MemorySegment y, int start, int end); }

    /** {@code x += y}. */
    static void add(Parallel par, Tensor x, Tensor y) {
        apply(par, x, y, "add", (xs, ys, start, end) -> {
            int i = start;
            for (int bound = start + S.loopBound(end - start); i < bound; i += S.length()) {
                long o = (long) i * 4;
                FloatVector.fromMemorySegment(S, xs, o, LE).add(FloatVector.fromMemorySegment(S, ys, o, LE)).intoMemorySegment(xs, o, LE);
            }
            for (; i < end; i++) set(xs, i, get(xs, i) + get(ys, i));
        });
    }

    /** {@code x = max(x, 0)}. */
    static void relu(Parallel par, Tensor x) {
        apply(par, x, null, "relu", (xs, ys, start, end) -> {
            int i = start;
            for (int bound = start + S.loopBound(end - start); i < bound; i += S.length()) {
                long o = (long) i * 4;
                FloatVector.fromMemorySegment(S, xs, o, LE).max(0f).intoMemorySegment(xs, o, LE);
            }
            for (; i < end; i++) set(xs, i, Math.max(get(xs, i), 0f));
        });
    }

    /** {@code x = x·σ(1.702x)} (CLIP's quick GELU). */
    static void quickGelu(Parallel par, Tensor x) {
        apply(par, x, null, "quickGelu", (xs, ys, start, end) -> {
            int i = start;
            for (int bound = start + S.loopBound(end - start); i < bound; i += S.length()) {
                long o = (long) i * 4;
                FloatVector v = FloatVector.fromMemorySegment(S, xs, o, LE);
                v.div(VectorMath.exp(v.mul(-1.702f)).add(1f)).intoMemorySegment(xs, o, LE);
            }
            for (; i < end; i++) { float v = get(xs, i); set(xs, i, v / (1f + VectorMath.exp(-1.702f * v))); }
        });
    }

    /** {@code gate = silu(gate) ⊙ up} with {@code silu(g) = g·σ(g)} (SwiGLU). */
    static void siluMul(Parallel par, Tensor gate, Tensor up) {
        apply(par, gate, up, "siluMul", (gs, us, start, end) -> {
            int i = start;
            for (int bound = start + S.loopBound(end - start); i < bound; i += S.length()) {
                long o = (long) i * 4;
                FloatVector g = FloatVector.fromMemorySegment(S, gs, o, LE);
                FloatVector silu = g.div(VectorMath.exp(g.neg()).add(1f));
                silu.mul(FloatVector.fromMemorySegment(S, us, o, LE)).intoMemorySegment(gs, o, LE);
            }
            for (; i < end; i++) { float g = get(gs, i); set(gs, i, g / (1f + VectorMath.exp(-g)) * get(us, i)); }
        });
    }

    /** Runs {@code body} in parallel chunks over {@code x} (in place) and the optional operand {@code y}. */
    private static void apply(Parallel par, Tensor x, Tensor y, String op, Body body) {
        if (y != null && !Arrays.equals(x.shape(), y.shape()))
            throw new IllegalArgumentException(op + ": shapes differ, " + x + " and " + y);
        Tensor target = CpuCopy.contiguous(x);
        MemorySegment xs = target.segment();
        MemorySegment ys = y == null ? null : CpuCopy.contiguous(y).segment();
        par.forRange(Math.toIntExact(x.numel()), GRAIN, (start, end) -> body.run(xs, ys, start, end));
        if (target != x) CpuCopy.copy(target, x);
    }

    private static float get(MemorySegment s, int i) { return s.getAtIndex(CpuCopy.F32, i); }
    private static void set(MemorySegment s, int i, float v) { s.setAtIndex(CpuCopy.F32, i, v); }
}
