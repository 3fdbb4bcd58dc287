package org.gpt4roi.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.gpt4roi.tensor.InputException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Decoding to RGB by PIL's convert('RGB') rules (goldens from Pillow 9.4), and the bad-image errors. */
class RgbImageTest {
    @TempDir Path tmp;

    @TestFactory
    List<DynamicTest> convertsLikePil() throws IOException {
        Path dir = Fixtures.resource("pil");
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("cases.json").toFile()).get("convert");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            String input = c.get("input").asText();
            tests.add(DynamicTest.dynamicTest(input + " (PIL mode " + c.get("pil_mode").asText() + ")", () -> {
                RgbImage expected = RgbImage.read(dir.resolve(c.get("expected").asText()));
                RgbImage actual = RgbImage.read(dir.resolve(input));
                PilBicubicTest.assertSameImage(expected, actual, input);
            }));
        }
        return tests;
    }

    @Test
    void missingFileNamesIt() {
        Path file = tmp.resolve("nope.png");
        assertError(() -> RgbImage.read(file), file.toString(), "cannot read");
    }

    @Test
    void emptyAndForeignFilesAreRefused() throws IOException {
        assertError(() -> RgbImage.read(write("empty.png", new byte[0])), "empty.png", "empty");
        assertError(() -> RgbImage.read(write("notes.jpg", "just text".getBytes(StandardCharsets.UTF_8))), "notes.jpg", "not a JPEG or PNG");
        assertError(() -> RgbImage.read(write("anim.gif", "GIF89a\1\0\1\0".getBytes(StandardCharsets.ISO_8859_1))), "anim.gif", "GIF");
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        byte[] png = Files.readAllBytes(Fixtures.resource("pil/resize/noise_24x18_to_53x40.png"));
        assertError(() -> RgbImage.read(write("cut.png", Arrays.copyOf(png, png.length / 2))), "cut.png", "");
        byte[] jpg = Files.readAllBytes(Fixtures.caseDir("case-a").resolve("extreme_ironing.jpg"));
        assertError(() -> RgbImage.read(write("cut.jpg", Arrays.copyOf(jpg, jpg.length / 2))), "cut.jpg", "");
    }

    @Test
    void zeroSizeIsRefused() throws IOException {
        assertError(() -> RgbImage.read(write("zero.png", png(0, 5, new byte[0]))), "zero.png", "zero or invalid size");
    }

    @Test
    void hugeImagesAreRefusedBeforeDecoding() throws IOException {
        // 20000×20000 = 400 MP; the file holds a header and one tiny IDAT: decoding it would fail,
        // so the size error proves the check comes first.
        assertError(() -> RgbImage.read(write("huge.png", png(20000, 20000, new byte[] {0}))), "huge.png", "megapixels");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    private static void assertError(org.junit.jupiter.api.function.Executable call, String file, String words) {
        InputException e = assertThrows(InputException.class, call);
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(words),
                "message should name " + file + " and say '" + words + "': " + e.getMessage());
    }

    /** A grey 8-bit PNG with the given header size and (possibly wrong-sized) raw scanlines. */
    private static byte[] png(int width, int height, byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 0).array());
        Deflater deflater = new Deflater();
        deflater.setInput(raw);
        deflater.finish();
        byte[] z = new byte[raw.length + 64];
        chunk(out, "IDAT", Arrays.copyOf(z, deflater.deflate(z)));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
