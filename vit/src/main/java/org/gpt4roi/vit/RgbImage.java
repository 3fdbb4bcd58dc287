package org.gpt4roi.vit;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.gpt4roi.tensor.InputException;

/**
 * An 8-bit RGB image, pixels interleaved row by row ({@code [H, W, 3]}), immutable.
 *
 * <p>Decoding (JPEG and PNG through {@code javax.imageio}) follows PIL's {@code convert('RGB')}:
 * grey is replicated into the three channels, alpha is dropped (not composited), palettes are
 * expanded (their transparency ignored), 16-bit colour keeps the high byte and 16-bit grey is
 * clipped to 255 (PIL opens it as 32-bit integers and clips). No EXIF rotation, no colour
 * management: the raster values are taken as they are.
 */
public final class RgbImage {
    /** Larger images are refused before their pixels are decoded. */
    public static final long MAX_PIXELS = 100_000_000L;

    private final int width;
    private final int height;
    private final byte[] rgb;

    /** Wraps {@code rgb} ({@code height·width·3} bytes, row-major, R G B per pixel) without copying. */
    public RgbImage(int width, int height, byte[] rgb) {
        if (width <= 0 || height <= 0 || (long) width * height * 3 != rgb.length)
            throw new IllegalArgumentException(rgb.length + " bytes do not hold a " + width + "×" + height + " RGB image");
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    public int width() { return width; }
    public int height() { return height; }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) { return rgb[(y * width + x) * 3 + c] & 0xFF; }

    /** The interleaved pixel bytes themselves (not a copy; callers must not change them). */
    byte[] data() { return rgb; }

    /** Reads and decodes an image file; every failure is an {@link InputException} naming the file. */
    public static RgbImage read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InputException("cannot read image file " + file + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
        return decode(bytes, file.toString());
    }

    /**
     * Decodes JPEG or PNG bytes. The size is checked from the header before any pixel is decoded:
     * zero-sized images and images over {@link #MAX_PIXELS} are refused.
     */
    public static RgbImage decode(byte[] bytes, String nameForErrors) {
        String name = "image " + nameForErrors;
        String format = formatOf(bytes, name);
        if (format.equals("png") && bytes.length >= 24)      // IHDR is the first chunk: width and height at bytes 16 and 20
            checkSize(ByteBuffer.wrap(bytes).getInt(16), ByteBuffer.wrap(bytes).getInt(20), name);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = ImageIO.getImageReadersByFormatName(format).next();
            try {
                reader.setInput(in, true, false);
                checkSize(reader.getWidth(0), reader.getHeight(0), name);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty())
                    throw new InputException(name + ": corrupt or truncated " + format + " data (" + warnings.getFirst() + ")");
                return fromDecoded(image, name);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InputException ie) throw ie;
            throw new InputException(name + ": cannot decode (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    /** "png" or "jpeg" from the file signature; anything else is refused with the format's name when known. */
    private static String formatOf(byte[] b, String name) {
        if (b.length == 0) throw new InputException(name + ": the file is empty");
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return "png";
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) return "jpeg";
        String other = startsWith(b, 0, 'G', 'I', 'F', '8') ? "GIF"
                : startsWith(b, 0, 'B', 'M') ? "BMP"
                : startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P') ? "WebP"
                : startsWith(b, 0, 'I', 'I', '*', 0) || startsWith(b, 0, 'M', 'M', 0, '*') ? "TIFF"
                : null;
        if (other != null) throw new InputException(name + ": unsupported image format " + other + "; convert it to JPEG or PNG");
        throw new InputException(name + ": not a JPEG or PNG image (unrecognised file signature)");
    }

    private static boolean startsWith(byte[] b, int at, int... signature) {
        if (b.length < at + signature.length) return false;
        for (int i = 0; i < signature.length; i++) if ((b[at + i] & 0xFF) != signature[i]) return false;
        return true;
    }

    private static void checkSize(int width, int height, String name) {
        if (width <= 0 || height <= 0)
            throw new InputException(name + ": has zero or invalid size (" + width + "×" + height + " pixels)");
        if ((long) width * height > MAX_PIXELS)
            throw new InputException(name + ": " + width + "×" + height + " pixels is more than the limit of "
                    + MAX_PIXELS / 1_000_000 + " megapixels; downscale it first");
    }

    /** The decoded raster as 8-bit RGB by PIL's {@code convert('RGB')} rules. */
    private static RgbImage fromDecoded(BufferedImage image, String name) {
        int w = image.getWidth(), h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        if (cm instanceof IndexColorModel palette) {
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    out[o] = (byte) palette.getRed(row[x]);
                    out[o + 1] = (byte) palette.getGreen(row[x]);
                    out[o + 2] = (byte) palette.getBlue(row[x]);
                }
            }
            return new RgbImage(w, h, out);
        }
        int colours = cm.getNumColorComponents();
        if (colours != 1 && colours != 3)
            throw new InputException(name + ": unsupported colour layout (" + colours + " colour channels); use RGB or grey");
        boolean grey = colours == 1;
        int bits = cm.getComponentSize(0);
        for (int c = 0; c < 3; c++) {
            int band = grey ? 0 : c;
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                for (int x = 0, o = y * w * 3 + c; x < w; x++, o += 3) out[o] = (byte) toEightBits(row[x], bits, grey);
            }
        }
        return new RgbImage(w, h, out);
    }

    /** One sample of a {@code bits}-deep channel as PIL maps it to 8 bits. */
    private static int toEightBits(int sample, int bits, boolean grey) {
        if (bits == 8) return sample;
        if (bits == 16) return grey ? Math.min(sample, 255) : sample >>> 8;
        return sample * 255 / ((1 << bits) - 1);
    }
}
