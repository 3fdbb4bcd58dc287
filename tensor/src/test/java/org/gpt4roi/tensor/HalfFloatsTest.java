package org.gpt4roi.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * F16 / BF16 conversions: rounding against the bits PyTorch produced (half-floats-torch.txt, made by
 * tensor/src/test/python/make_half_floats.py), widening against an independent double-precision decode.
 */
class HalfFloatsTest {
    /** One torch row: an F32 value and its F16 and BF16 roundings. */
    record TorchRow(int f32, short f16, short bf16) {}

    static List<TorchRow> torchRows() throws IOException {
        List<TorchRow> rows = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(
                HalfFloatsTest.class.getResourceAsStream("half-floats-torch.txt"), StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#")) continue;
                String[] p = line.split(" ");
                rows.add(new TorchRow(Integer.parseUnsignedInt(p[0], 16),
                        (short) Integer.parseInt(p[1], 16), (short) Integer.parseInt(p[2], 16)));
            }
        }
        return rows;
    }

    @Test
    void roundingMatchesTorchBitForBit() throws IOException {
        List<TorchRow> rows = torchRows();
        assertTrue(rows.size() > 2000, "table loaded: " + rows.size());
        int f16Mismatches = 0, bf16Mismatches = 0;
        StringBuilder firstMismatches = new StringBuilder();
        for (TorchRow r : rows) {
            float v = Float.intBitsToFloat(r.f32());
            short f16 = HalfFloats.f32ToF16(v), bf16 = HalfFloats.f32ToBf16(v);
            if (Float.isNaN(v)) {   // torch writes one canonical NaN; any NaN is right
                assertTrue(Float.isNaN(HalfFloats.f16ToF32(f16)) && Float.isNaN(HalfFloats.bf16ToF32(bf16)), "NaN stays NaN");
                continue;
            }
            if (f16 != r.f16()) { f16Mismatches++; note(firstMismatches, "f16", r.f32(), f16, r.f16()); }
            if (bf16 != r.bf16()) { bf16Mismatches++; note(firstMismatches, "bf16", r.f32(), bf16, r.bf16()); }
        }
        assertEquals(0, f16Mismatches + bf16Mismatches, f16Mismatches + " F16 and " + bf16Mismatches
                + " BF16 roundings differ from torch of " + rows.size() + ": " + firstMismatches);
    }

    private static void note(StringBuilder sb, String kind, int f32, short ours, short torch) {
        if (sb.length() < 400)
            sb.append(String.format("%s(%08x) ours %04x torch %04x; ", kind, f32, ours & 0xffff, torch & 0xffff));
    }

    /** Every one of the 65536 F16 patterns widens exactly: (-1)^s · 2^(e-15) · (1 + m/1024), subnormals 2^-14 · m/1024. */
    @Test
    void f16WidensExactly() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            int sign = bits >> 15, exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
            double expected = exp == 0 ? Math.scalb(mant / 1024.0, -14)
                    : exp == 31 ? (mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                    : Math.scalb(1 + mant / 1024.0, exp - 15);
            if (sign == 1) expected = -expected;
            float got = HalfFloats.f16ToF32((short) bits);
            if (Double.isNaN(expected)) assertTrue(Float.isNaN(got), "f16 " + Integer.toHexString(bits));
            else assertEquals(expected, got, 0.0, "f16 " + Integer.toHexString(bits));
        }
    }

    /** A BF16 pattern as a number, reading the all-ones exponent as 2^128 (the successor of the largest finite). */
    private static double bf16AsDouble(int bits) {
        int exp = (bits >> 7) & 0xff, mant = bits & 0x7f;
        double magnitude = exp == 0 ? Math.scalb(mant / 128.0, -126) : Math.scalb(1 + mant / 128.0, exp - 127);
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /** Every BF16 pattern widens exactly: 8-bit exponent (bias 127), 7-bit mantissa. */
    @Test
    void bf16WidensExactly() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            int sign = bits >> 15, exp = (bits >> 7) & 0xff, mant = bits & 0x7f;
            double expected = exp == 0 ? Math.scalb(mant / 128.0, -126)
                    : exp == 255 ? (mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                    : Math.scalb(1 + mant / 128.0, exp - 127);
            if (sign == 1) expected = -expected;
            float got = HalfFloats.bf16ToF32((short) bits);
            if (Double.isNaN(expected)) assertTrue(Float.isNaN(got), "bf16 " + Integer.toHexString(bits));
            else assertEquals(expected, got, 0.0, "bf16 " + Integer.toHexString(bits));
        }
    }

    /** Random floats: the BF16 result is the nearer neighbour (ties to the even one), judged in double. */
    @Test
    void bf16RoundsToNearestEvenOnRandomFloats() {
        Random random = new Random(5);
        for (int i = 0; i < 200_000; i++) {
            float v = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(v) || Float.isInfinite(v)) continue;
            int down = Float.floatToRawIntBits(v) >>> 16;                    // truncation toward zero
            double lo = bf16AsDouble(down), hi = bf16AsDouble(down + 1);
            double dLo = Math.abs(v - lo), dHi = Math.abs(hi - v);
            int expected = dLo < dHi ? down : dHi < dLo ? down + 1 : (down & 1) == 0 ? down : down + 1;
            assertEquals(expected & 0xffff, HalfFloats.f32ToBf16(v) & 0xffff, "bf16 of " + v);
        }
    }
}
