package org.gpt4roi.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The PIL bicubic resize against Pillow 9.4 outputs (resources/pil, made by make_pil_goldens.py): bit-exact. */
class PilBicubicTest {

    @TestFactory
    List<DynamicTest> matchesPillowExactly() throws IOException {
        Path dir = Fixtures.resource("pil");
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("cases.json").toFile()).get("resize");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            tests.add(DynamicTest.dynamicTest(c.get("input").asText(), () -> {
                RgbImage input = RgbImage.read(dir.resolve(c.get("input").asText()));
                RgbImage expected = RgbImage.read(dir.resolve(c.get("output").asText()));
                RgbImage actual = PilBicubic.resize(input, c.get("width").asInt(), c.get("height").asInt());
                assertSameImage(expected, actual, c.get("input").asText());
            }));
        }
        return tests;
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage image = new RgbImage(2, 1, new byte[] {1, 2, 3, 4, 5, 6});
        assertSameImage(image, PilBicubic.resize(image, 2, 1), "2×1 unchanged");
    }

    @Test
    void coefficientsSumToOneInFixedPoint() {
        for (int[] sizes : new int[][] {{570, 336}, {380, 224}, {7, 64}, {1, 5}, {200, 3}}) {
            PilBicubic.Coefficients f = PilBicubic.coefficients(sizes[0], sizes[1]);
            for (int o = 0; o < sizes[1]; o++) {
                long sum = 0;
                for (int j = 0; j < f.count()[o]; j++) sum += f.weights()[o * f.taps() + j];
                // each of the count[o] weights is rounded to the nearest 2^-22
                assertEquals(1 << 22, sum, f.count()[o] / 2.0 + 1, sizes[0] + "→" + sizes[1] + " output " + o);
            }
        }
    }

    /** Exact equality; the message counts the differing bytes and the largest difference. */
    static void assertSameImage(RgbImage expected, RgbImage actual, String what) {
        assertEquals(expected.width() + "×" + expected.height(), actual.width() + "×" + actual.height(), what + ": size");
        int differing = 0, maxDiff = 0;
        for (int y = 0; y < expected.height(); y++)
            for (int x = 0; x < expected.width(); x++)
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(expected.get(x, y, c) - actual.get(x, y, c));
                    if (d != 0) differing++;
                    maxDiff = Math.max(maxDiff, d);
                }
        assertEquals(0, differing, what + ": " + differing + " channel values differ, by up to " + maxDiff);
    }
}
