package org.gpt4roi.llama;

/**
 * UTF-8 decoding with SentencePiece's rules for runs of byte pieces: a well-formed character (no
 * overlong forms, no surrogates, at most U+10FFFF) is kept; any other byte becomes one U+FFFD.
 */
final class Utf8 {
    static final int INVALID = -1;

    private Utf8() {}

    /**
     * The code point starting at {@code buf[from]}, reading no further than {@code to}, packed as
     * {@code codePoint << 3 | byteCount}; {@link #INVALID} when the byte there starts no valid character.
     */
    static int decode(byte[] buf, int from, int to) {
        int b0 = buf[from] & 0xff, n = sequenceLength(b0);
        if (n == 1) return b0 << 3 | 1;
        if (n == 0 || to - from < n) return INVALID;
        int cp = b0 & (0xff >> (n + 1));
        for (int i = 1; i < n; i++) {
            int b = buf[from + i] & 0xff;
            if (!isTrail(b)) return INVALID;
            cp = cp << 6 | (b & 0x3f);
        }
        int min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
        boolean valid = cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        return valid ? cp << 3 | n : INVALID;
    }

    /** True when {@code buf[from, to)} is the start of a multi-byte character whose remaining bytes have not arrived yet. */
    static boolean awaitsMoreBytes(byte[] buf, int from, int to) {
        int n = sequenceLength(buf[from] & 0xff);
        if (n < 2 || to - from >= n) return false;
        for (int i = from + 1; i < to; i++) if (!isTrail(buf[i] & 0xff)) return false;
        return true;
    }

    /** Bytes announced by a lead byte: 1 for ASCII, 2..4, or 0 for a byte that cannot start a character. */
    private static int sequenceLength(int b0) {
        if (b0 < 0x80) return 1;
        if ((b0 & 0xe0) == 0xc0) return 2;
        if ((b0 & 0xf0) == 0xe0) return 3;
        if ((b0 & 0xf8) == 0xf0) return 4;
        return 0;
    }

    private static boolean isTrail(int b) { return (b & 0xc0) == 0x80; }
}
