package org.gpt4roi.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Preprocessing against the reference goldens of the tiny cases: the PIL-resized image
 * ({@code preprocess.resized}, exact) and {@code pixel_values} (normwise 1e-4). Case a is read from
 * its {@code .rgb.png} (libjpeg-turbo's exact pixels); {@link #jpegDecoderDifference} measures what
 * decoding the JPEG with ImageIO instead changes.
 */
class ClipPreprocessorTest {

    @ParameterizedTest
    @CsvSource({"case-a, extreme_ironing.rgb.png", "case-b, shapes.png"})
    void resizedImageEqualsPil(String caseName, String image) {
        RgbImage resized = ClipPreprocessor.resizeShortSide(RgbImage.read(Fixtures.caseDir(caseName).resolve(image)));
        try (SafeTensors golden = Fixtures.golden(caseName)) {
            Tensor expected = golden.get("preprocess.resized");          // [3,h,w] F16, integers
            assertEquals(expected.dim(1) + "×" + expected.dim(2), resized.height() + "×" + resized.width(), "resized size");
            float[] e = expected.toFloatArray();
            int plane = resized.width() * resized.height(), differing = 0;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < resized.height(); y++)
                    for (int x = 0; x < resized.width(); x++)
                        if (resized.get(x, y, c) != (int) e[c * plane + y * resized.width() + x]) differing++;
            assertEquals(0, differing, caseName + ": resized pixels differing from PIL");
        }
    }

    @ParameterizedTest
    @CsvSource({"case-a, extreme_ironing.rgb.png", "case-b, shapes.png"})
    void pixelValuesMatchGolden(String caseName, String image) {
        Tensor pixels = ClipPreprocessor.pixelValues(RgbImage.read(Fixtures.caseDir(caseName).resolve(image)));
        try (SafeTensors golden = Fixtures.golden(caseName)) {
            double err = Normwise.assertClose(caseName + " pixel_values", pixels, golden.get("pixel_values"), Normwise.PIXEL_TOL);
            System.out.printf("%s pixel_values normwise error %.2e%n", caseName, err);
        }
    }

    /** ImageIO's JPEG decoder against libjpeg-turbo's pixels (the .rgb.png), and what it does to pixel_values. */
    @Test
    void jpegDecoderDifference() {
        Path dir = Fixtures.caseDir("case-a");
        RgbImage imageIo = RgbImage.read(dir.resolve("extreme_ironing.jpg"));
        RgbImage libjpeg = RgbImage.read(dir.resolve("extreme_ironing.rgb.png"));
        int maxDiff = 0, differing = 0;
        for (int y = 0; y < libjpeg.height(); y++)
            for (int x = 0; x < libjpeg.width(); x++)
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(imageIo.get(x, y, c) - libjpeg.get(x, y, c));
                    if (d != 0) differing++;
                    maxDiff = Math.max(maxDiff, d);
                }
        try (SafeTensors golden = Fixtures.golden("case-a")) {
            double err = Normwise.error(ClipPreprocessor.pixelValues(imageIo), golden.get("pixel_values"));
            System.out.printf("case-a JPEG via ImageIO: %d of %d channel values differ from libjpeg-turbo, max %d; "
                    + "pixel_values normwise error %.2e%n", differing, libjpeg.width() * libjpeg.height() * 3, maxDiff, err);
            // Measured: identical (both are IJG-derived: islow IDCT, fancy upsampling). A JDK whose decoder
            // differs fails here; pixel_values would then still be compared by pixelValuesMatchGolden.
            assertEquals(0, differing, "ImageIO differs from libjpeg-turbo by up to " + maxDiff + " levels");
        }
    }

    @Test
    void normalisesInFloat32LikeNumpy() {
        RgbImage image = new RgbImage(224, 224, new byte[224 * 224 * 3]);  // black: every value is -mean/std
        Tensor pixels = ClipPreprocessor.pixelValues(image);
        for (int c = 0; c < 3; c++)
            assertEquals((0f - ClipPreprocessor.MEAN[c]) / ClipPreprocessor.STD[c], pixels.getFloat(c, 100, 17), 0f, "channel " + c);
    }

    @Test
    void extremeAspectRatioIsRefused() {
        RgbImage strip = new RgbImage(1, 500_000, new byte[1_500_000]);
        InputException e = org.junit.jupiter.api.Assertions.assertThrows(InputException.class, () -> ClipPreprocessor.resizeShortSide(strip));
        assertTrue(e.getMessage().contains("1×500000"), e.getMessage());
    }
}
