package org.gpt4roi.kernels.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;

/** Random test tensors, weights stored at an odd byte offset as a memory-mapped file may place them. */
final class MatmulTestTensors {
    private MatmulTestTensors() {}

    static float[] uniform(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextFloat() * 2 - 1;
        return v;
    }

    /** {@code values} stored as {@code dtype} starting one byte into a fresh segment. */
    static Tensor unaligned(DType dtype, float[] values, int... shape) {
        MemorySegment seg = Arena.ofAuto().allocate(values.length * (long) dtype.size + 1).asSlice(1);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> seg.set(HalfVectors.F32, i * 4L, values[i]);
                case F16 -> seg.set(HalfVectors.I16, i * 2L, HalfFloats.f32ToF16(values[i]));
                case BF16 -> seg.set(HalfVectors.I16, i * 2L, HalfFloats.f32ToBf16(values[i]));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return Tensor.of(dtype, new HostStorage(seg), shape);
    }

    /** The elements as doubles (after the dtype's rounding: exactly what a kernel reads). */
    static double[] doubles(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** max |got - want| / max |want|. */
    static double relativeError(float[] got, double[] want) {
        double err = 0, scale = 1e-30;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return err / scale;
    }
}
