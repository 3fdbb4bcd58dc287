package org.gpt4roi.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.gpt4roi.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link DeltaSum#add} against PyTorch's {@code (a.float() + b.float()).half()} on edge cases and random bit patterns. */
class DeltaSumTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest
    @CsvSource({"f16_f16, F16", "f16_f32, F32"})
    void roundsLikePyTorch(String table, DType baseType) {
        JsonNode cases = ConvertFixture.json(ConvertFixture.DIR.resolve("f16_sums.json")).get(table);
        int n = cases.size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(2L * n), b = arena.allocate((long) baseType.size * n), out = arena.allocate(2L * n);
            for (int i = 0; i < n; i++) {
                a.setAtIndex(I16, i, (short) cases.get(i).get(0).asInt());
                if (baseType == DType.F16) b.setAtIndex(I16, i, (short) cases.get(i).get(1).asInt());
                else b.setAtIndex(I32, i, cases.get(i).get(1).asInt());
            }
            DeltaSum.add(a, DType.F16, b, baseType, out, n);
            int wrong = 0;
            String first = "";
            for (int i = 0; i < n; i++) {
                int want = cases.get(i).get(2).asInt(), got = out.getAtIndex(I16, i) & 0xffff;
                if (want != got && wrong++ == 0)
                    first = String.format("; first: %04x + %s = %04x, PyTorch %04x", cases.get(i).get(0).asInt(),
                            Integer.toHexString(cases.get(i).get(1).asInt()), got, want);
            }
            assertEquals(0, wrong, wrong + " of " + n + " sums differ from PyTorch" + first);
        }
    }
}
