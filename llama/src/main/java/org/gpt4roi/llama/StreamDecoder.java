package org.gpt4roi.llama;

import java.util.Arrays;

/**
 * Turns generated ids into text as they arrive. {@link #push} returns only what can be printed now:
 * bytes of a character split over several byte pieces ({@code <0xF0>}, {@code <0x9F>}, ...) are held
 * back until the character is complete, so half a UTF-8 character is never emitted. The
 * concatenation of all pushes and the final {@link #flush} equals {@link Tokenizer#decode} of the same ids.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[8];
    private int pendingLength;
    private boolean atStart = true;

    public StreamDecoder(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** Adds one id; returns the text that became printable (possibly empty). */
    public String push(int id) {
        if (!tokenizer.isText(id)) return "";
        StringBuilder out = new StringBuilder();
        int b = tokenizer.byteValue(id);
        if (b >= 0) {
            if (pendingLength == pending.length) pending = Arrays.copyOf(pending, 2 * pending.length);
            pending[pendingLength++] = (byte) b;
            drainBytes(out, false);
        } else {
            drainBytes(out, true);
            String piece = tokenizer.piece(id);
            // SentencePiece drops the dummy-prefix space of the first piece of the text.
            if (atStart && piece.startsWith("\u2581")) piece = piece.substring(1);
            out.append(piece.replace('\u2581', ' '));
        }
        atStart = false;
        return out.toString();
    }

    /** Ends the text: bytes of an unfinished character come out as U+FFFD each. */
    public String flush() {
        StringBuilder out = new StringBuilder();
        drainBytes(out, true);
        return out.toString();
    }

    /** Decodes the pending bytes; unless {@code final}, stops before a character still missing bytes. */
    private void drainBytes(StringBuilder out, boolean end) {
        int i = 0;
        while (i < pendingLength) {
            if (!end && Utf8.awaitsMoreBytes(pending, i, pendingLength)) break;
            int r = Utf8.decode(pending, i, pendingLength);
            if (r == Utf8.INVALID) {
                out.append('\uFFFD');
                i++;
            } else {
                out.appendCodePoint(r >>> 3);
                i += r & 7;
            }
        }
        System.arraycopy(pending, i, pending, 0, pendingLength - i);
        pendingLength -= i;
    }
}
