package org.gpt4roi.roi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gpt4roi.tensor.InputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoxTest {
    @Test void parsesFourNumbersWithSpaces() {
        assertEquals(new Box(1, 2.5, 30, -4), Box.parse(" 1, 2.5 ,3e1,-4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1,2,3", "1,2,3,4,5", "a,b,c,d", "1,2,,4", "NaN,0,1,1", "0,0,Infinity,1", "0x10,0,1,1", "1;2;3;4"})
    void rejectsJunk(String text) {
        InputException e = assertThrows(InputException.class, () -> Box.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), "message names the text: " + e.getMessage());
    }

    @Test void reversedCornersNameTheBox() {
        InputException x = assertThrows(InputException.class, () -> new Box(50, 0, 10, 5).validate(1));
        assertTrue(x.getMessage().startsWith("box 2 (region2): x2 < x1"), x.getMessage());
        InputException y = assertThrows(InputException.class, () -> new Box(0, 9, 10, 5).validate(0));
        assertTrue(y.getMessage().startsWith("box 1 (region1): y2 < y1"), y.getMessage());
    }

    @Test void nonFiniteValuesAreRejected() {
        for (Box b : new Box[] {new Box(Double.NaN, 0, 1, 1), new Box(0, 0, Double.POSITIVE_INFINITY, 1),
                new Box(0, Double.NEGATIVE_INFINITY, 1, 1), new Box(0, 0, 1, Double.NaN)}) {
            InputException e = assertThrows(InputException.class, () -> b.validate(2));
            assertTrue(e.getMessage().startsWith("box 3 (region3): coordinates must be finite"), e.getMessage());
        }
    }

    @Test void zeroAreaAndPartlyOutsideBoxesAreKept() {
        new Box(5, 5, 5, 5).validate(0);
        Box outside = new Box(-20, -10, 400, 300).validate(0);
        float[] n = outside.normalised(320, 240);
        assertArrayEquals(new float[] {(float) (-20 / 320.0), (float) (-10 / 240.0), 1.25f, 1.25f}, n, 0f,
                "no clipping to the image");
    }

    @Test void normalisesInDoubleThenRoundsToFloat() {
        Box b = new Box(100, 100, 102, 101);
        float[] n = b.normalised(320, 240);
        double[] exact = {100 / 320.0, 100 / 240.0, 102 / 320.0, 101 / 240.0};
        for (int i = 0; i < 4; i++) {
            assertEquals((float) exact[i], n[i], 0f, "coordinate " + i);
            assertTrue(Math.abs(n[i] - exact[i]) <= Math.ulp((float) exact[i]) / 2, "correctly rounded: coordinate " + i);
        }
        assertThrows(InputException.class, () -> b.normalised(0, 240));
    }
}
