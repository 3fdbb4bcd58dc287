package org.gpt4roi.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HalfFloats;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Strided copies and the embedding lookup, checked element by element against index arithmetic. */
class CpuCopyTest {
    private static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    @Test void transposeOfRank4() {
        Tensor x = Accuracy.random(1, 1f, 2, 3, 5, 7);
        Tensor src = x.transpose(1, 3);                    // [2,7,5,3]
        Tensor dst = CPU.zeros(src.shape());
        CPU.copy(src, dst);
        for (int a = 0; a < 2; a++) for (int b = 0; b < 7; b++) for (int c = 0; c < 5; c++) for (int d = 0; d < 3; d++)
            assertEquals(x.getFloat(a, d, c, b), dst.getFloat(a, b, c, d));
    }

    @Test void channelSliceIntoAConcatenation() {
        Tensor a = Accuracy.random(2, 1f, 8, 4, 4), b = Accuracy.random(3, 1f, 6, 4, 4);
        Tensor cat = CPU.zeros(5, 4, 4);
        CPU.copy(a.slice(0, 1, 3), cat.slice(0, 0, 2));
        CPU.copy(b.slice(0, 3, 6), cat.slice(0, 2, 5));
        for (int c = 0; c < 5; c++) for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++)
            assertEquals(c < 2 ? a.getFloat(c + 1, y, x) : b.getFloat(c + 1, y, x), cat.getFloat(c, y, x));
    }

    @Test void columnBlockOfRowsFromHalfPrecision() {
        Tensor half = Tensor.zeros(DType.BF16, 5, 9);
        float[] v = Accuracy.randomFloats(4, 45, 3f);
        for (int i = 0; i < 45; i++) half.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, HalfFloats.f32ToBf16(v[i]));
        Tensor dst = CPU.zeros(7, 12);
        CPU.copy(half.slice(1, 2, 8), dst.slice(0, 1, 6).slice(1, 3, 9));
        for (int r = 0; r < 7; r++) for (int c = 0; c < 12; c++) {
            float want = r >= 1 && r < 6 && c >= 3 && c < 9 ? HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(v[(r - 1) * 9 + c - 1])) : 0f;
            assertEquals(want, dst.getFloat(r, c), "at " + r + "," + c);
        }
    }

    @Test void shapesMustMatch() {
        assertThrows(IllegalArgumentException.class, () -> CPU.copy(CPU.zeros(2, 3), CPU.zeros(3, 2)));
    }

    @Test void embeddingGathersRowsOfAnF16Table() {
        int vocab = 11, dim = 13;
        Tensor table = Tensor.zeros(DType.F16, vocab, dim);
        float[] v = Accuracy.randomFloats(5, vocab * dim, 1f);
        for (int i = 0; i < v.length; i++) table.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, HalfFloats.f32ToF16(v[i]));
        int[] ids = {3, 0, 10, 3};
        Tensor e = CPU.embedding(table, ids);
        assertArrayEquals(new int[] {4, dim}, e.shape());
        for (int t = 0; t < ids.length; t++) for (int d = 0; d < dim; d++)
            assertEquals(table.getFloat(ids[t], d), e.getFloat(t, d));
    }

    @Test void embeddingNamesAnIdOutOfRange() {
        var ex = assertThrows(IllegalArgumentException.class, () -> CPU.embedding(CPU.zeros(11, 4), new int[] {1, 11}));
        assertTrue(ex.getMessage().contains("11") && ex.getMessage().contains("position 1"), ex.getMessage());
    }
}
