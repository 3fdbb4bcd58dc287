package org.gpt4roi.roi;

import java.util.regex.Pattern;
import org.gpt4roi.tensor.InputException;

/**
 * A region of interest in pixels of the original image: corners (x1, y1) top-left and (x2, y2)
 * bottom-right. Zero-area boxes and boxes partly outside the image are valid (the model was never
 * told to clip them); reversed corners and non-finite values are not.
 */
public record Box(double x1, double y1, double x2, double y2) {
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    /** Parses {@code "x1,y1,x2,y2"} (decimal numbers, spaces allowed around them). */
    public static Box parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != 4)
            throw new InputException("box '" + text + "': expected four numbers x1,y1,x2,y2 in pixels, found "
                    + parts.length + " field" + (parts.length == 1 ? "" : "s"));
        double[] v = new double[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i].strip();
            if (!NUMBER.matcher(p).matches())
                throw new InputException("box '" + text + "': '" + p + "' is not a number; expected x1,y1,x2,y2 in pixels");
            v[i] = Double.parseDouble(p);
        }
        return new Box(v[0], v[1], v[2], v[3]);
    }

    /**
     * Checks that the coordinates are finite and the corners ordered.
     *
     * @param index zero-based position of the box; messages use its 1-based number, as {@code <regionN>} does
     * @throws InputException naming the box, e.g. {@code "box 2 (region2): x2 < x1 (x1=50.0, x2=10.0)"}
     */
    public Box validate(int index) {
        String name = "box " + (index + 1) + " (region" + (index + 1) + ")";
        if (!Double.isFinite(x1) || !Double.isFinite(y1) || !Double.isFinite(x2) || !Double.isFinite(y2))
            throw new InputException(name + ": coordinates must be finite numbers, found " + this);
        if (x2 < x1) throw new InputException(name + ": x2 < x1 (x1=" + x1 + ", x2=" + x2 + "); give x1,y1,x2,y2 with x1 ≤ x2");
        if (y2 < y1) throw new InputException(name + ": y2 < y1 (y1=" + y1 + ", y2=" + y2 + "); give x1,y1,x2,y2 with y1 ≤ y2");
        return this;
    }

    /** {@code [x1/W, y1/H, x2/W, y2/H]}: each division in double, then rounded to float. */
    public float[] normalised(int width, int height) {
        if (width <= 0 || height <= 0)
            throw new InputException("image size " + width + "×" + height + " is not positive; cannot normalise " + this);
        return new float[] {(float) (x1 / width), (float) (y1 / height), (float) (x2 / width), (float) (y2 / height)};
    }

    @Override public String toString() { return x1 + "," + y1 + "," + x2 + "," + y2; }
}
