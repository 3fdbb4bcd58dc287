package org.gpt4roi.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp(x) built from add, multiply, fused multiply-add and bit moves only, in a vector and a
 * scalar form that give identical bits. The Vector API's own {@code lanewise(EXP)} answers
 * differently before and after the JIT compiles it (a library call versus {@code Math.exp} per
 * lane), which would break the backend's bit-for-bit determinism.
 *
 * <p>Cephes' {@code expf}: {@code n = round(x·log2 e)}, {@code r = x − n·ln 2} (two-part ln 2),
 * {@code e^r} by a degree-6 polynomial, times {@code 2^n}. Within 2 ulp of exp on
 * [−87.3, 88.7]; inputs outside are clamped there (e^−87.3 ≈ 1.2e−38, so softmax tails stay 0-like).
 */
final class VectorMath {
    private VectorMath() {}

    private static final float HI = 88.7f, LO = -87.3f, LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;                  // 1.5·2^23: adding it rounds to an integer
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    private static final FloatVector V_LN2_HI = FloatVector.broadcast(CpuVectors.FLOATS, -LN2_HI),
            V_LN2_LO = FloatVector.broadcast(CpuVectors.FLOATS, -LN2_LO), V_P2 = FloatVector.broadcast(CpuVectors.FLOATS, P2),
            V_P3 = FloatVector.broadcast(CpuVectors.FLOATS, P3), V_P4 = FloatVector.broadcast(CpuVectors.FLOATS, P4),
            V_P5 = FloatVector.broadcast(CpuVectors.FLOATS, P5);

    /** Lane-wise exp of a vector of the preferred species. */
    static FloatVector exp(FloatVector x) {
        x = x.max(LO).min(HI);
        FloatVector t = x.fma(LOG2E, ROUND);                        // n + 1.5·2^23
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(V_LN2_HI, x);
        r = n.fma(V_LN2_LO, r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, V_P2);
        p = p.fma(r, V_P3);
        p = p.fma(r, V_P4);
        p = p.fma(r, V_P5);
        p = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(0x4B400000).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** The same function for one value, bit for bit. */
    static float exp(float x) {
        x = Math.min(Math.max(x, LO), HI);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        p = p * (r * r) + r + 1f;
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - 0x4B400000 + 127) << 23);
    }
}
