package org.gpt4roi.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Views share storage and index correctly; conversions read every dtype at any strides. */
class TensorTest {
    /** [2,3,4] holding 0..23, so element (i,j,k) = 12i + 4j + k. */
    static Tensor iota() {
        float[] v = new float[24];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return Tensor.ofFloats(v, 2, 3, 4);
    }

    @Test
    void rowMajorLayout() {
        Tensor t = iota();
        assertArrayEquals(new long[] {12, 4, 1}, t.strides());
        assertTrue(t.isContiguous());
        assertEquals(24, t.numel());
        assertEquals(3, t.rank());
        assertEquals(4, t.dim(-1));
        assertEquals(23f, t.getFloat(1, 2, 3));
    }

    @Test
    void reshapeIsAViewAndInfersOneDimension() {
        Tensor t = iota();
        Tensor r = t.reshape(4, -1);
        assertArrayEquals(new int[] {4, 6}, r.shape());
        assertSame(t.storage(), r.storage());
        assertEquals(13f, r.getFloat(2, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> t.reshape(5, -1));
        assertTrue(e.getMessage().contains("cannot reshape [2, 3, 4] to [5, -1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
        assertThrows(IllegalStateException.class, () -> t.transpose(0, 2).reshape(24));
    }

    @Test
    void sliceSelectsARangeWithoutCopying() {
        Tensor t = iota();
        Tensor s = t.slice(1, 1, 3);                          // [2,2,4]
        assertArrayEquals(new int[] {2, 2, 4}, s.shape());
        assertSame(t.storage(), s.storage());
        assertFalse(s.isContiguous());
        assertArrayEquals(expected(2, 2, 4, (i, j, k) -> 12 * i + 4 * (j + 1) + k), s.toFloatArray());
        Tensor last = t.slice(-1, 2, 4);                       // negative dim
        assertArrayEquals(expected(2, 3, 2, (i, j, k) -> 12 * i + 4 * j + k + 2), last.toFloatArray());
        assertEquals(0, t.slice(0, 1, 1).numel());
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(2, 3, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(2, 3, 2));
    }

    @Test
    void getDropsTheFirstDimension() {
        Tensor row = iota().get(1);                             // [3,4]
        assertArrayEquals(expected(1, 3, 4, (i, j, k) -> 12 + 4 * j + k), row.toFloatArray());
        assertThrows(IndexOutOfBoundsException.class, () -> iota().get(2));
    }

    @Test
    void transposeSwapsStrides() {
        Tensor t = iota();
        Tensor tt = t.transpose(0, 2);                          // [4,3,2], (k,j,i)
        assertArrayEquals(new long[] {1, 4, 12}, tt.strides());
        assertFalse(tt.isContiguous());
        assertArrayEquals(expected(4, 3, 2, (k, j, i) -> 12 * i + 4 * j + k), tt.toFloatArray());
        assertArrayEquals(t.toFloatArray(), tt.transpose(0, 2).toFloatArray());
        assertArrayEquals(expected(2, 4, 3, (i, k, j) -> 12 * i + 4 * j + k), t.transpose(-1, -2).toFloatArray());
    }

    @Test
    void toFloatArrayReadsEveryDtypeThroughViews() {
        for (DType d : DType.values()) {
            Tensor t = Tensor.zeros(d, 3, 4);
            var seg = t.segment();
            for (int n = 0; n < 12; n++) write(seg, d, n, n - 5);   // small integers: exact in every dtype
            Tensor view = t.transpose(0, 1).slice(0, 1, 3);          // [2,3]: element (a,b) = 4b + a + 1 - 5
            float[] expected = {-4, 0, 4, -3, 1, 5};
            assertArrayEquals(expected, view.toFloatArray(), d.toString());
            assertArrayEquals(new long[] {-4, 0, 4, -3, 1, 5}, view.toLongArray(), d.toString());
            Tensor f32 = view.toF32();
            assertEquals(DType.F32, f32.dtype());
            assertTrue(f32.isContiguous());
            assertArrayEquals(expected, f32.toFloatArray(), d.toString());
        }
    }

    @Test
    void zeroSizeAndScalarTensors() {
        Tensor empty = Tensor.zeros(DType.F16, 0, 5);
        assertEquals(0, empty.toFloatArray().length);
        assertArrayEquals(new int[] {5, 0}, empty.reshape(5, 0).shape());
        Tensor scalar = Tensor.ofFloats(new float[] {7}, new int[0]);
        assertEquals(1, scalar.numel());
        assertArrayEquals(new float[] {7}, scalar.toFloatArray());
        assertArrayEquals(new int[] {1, 1}, scalar.reshape(1, -1).shape());
    }

    @Test
    void rejectsImpossibleShapes() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.F32, 2, -1));
        assertThrows(ArithmeticException.class, () -> Tensor.numel(new int[] {1 << 30, 1 << 30, 1 << 30}));
        assertThrows(IndexOutOfBoundsException.class, () -> iota().getFloat(0, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> iota().getFloat(0, 1));
    }

    interface Index3 { int at(int a, int b, int c); }

    /** Row-major values of an [A,B,C] tensor whose element is {@code f(a,b,c)}, computed independently. */
    static float[] expected(int a, int b, int c, Index3 f) {
        float[] out = new float[a * b * c];
        int n = 0;
        for (int i = 0; i < a; i++) for (int j = 0; j < b; j++) for (int k = 0; k < c; k++) out[n++] = f.at(i, j, k);
        return out;
    }

    private static void write(java.lang.foreign.MemorySegment seg, DType d, long n, int value) {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        switch (d) {
            case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), n * 4, value);
            case F16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), n * 2, HalfFloats.f32ToF16(value));
            case BF16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), n * 2, HalfFloats.f32ToBf16(value));
            case F64 -> seg.set(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(le), n * 8, value);
            case I64 -> seg.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(le), n * 8, value);
            case I32 -> seg.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(le), n * 4, value);
        }
    }
}
