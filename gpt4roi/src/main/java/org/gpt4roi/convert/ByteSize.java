package org.gpt4roi.convert;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gpt4roi.tensor.InputException;

/** Byte counts as people write them: "2GB", "500 MB", "123456" (decimal units, as Hugging Face uses). */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?B?)", Pattern.CASE_INSENSITIVE);

    private ByteSize() {}

    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) throw new InputException("'" + text + "' is not a size; write e.g. 2GB, 500MB or 1000000");
        String unit = m.group(2).toUpperCase(Locale.ROOT);
        double scale = switch (unit.isEmpty() ? 'B' : unit.charAt(0)) {
            case 'K' -> 1e3;
            case 'M' -> 1e6;
            case 'G' -> 1e9;
            case 'T' -> 1e12;
            default -> 1;
        };
        long bytes = (long) (Double.parseDouble(m.group(1)) * scale);
        if (bytes <= 0) throw new InputException("size '" + text + "' must be above zero");
        return bytes;
    }

    public static String format(long bytes) {
        if (bytes < 1000) return bytes + " B";
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }
}
