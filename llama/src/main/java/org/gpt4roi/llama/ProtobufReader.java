package org.gpt4roi.llama;

import java.nio.charset.StandardCharsets;
import org.gpt4roi.tensor.ModelFileException;

/**
 * A reader of the protobuf wire format, just enough for {@code sentencepiece_model.proto}: walks the
 * fields of one message in order; the caller asks for each field's value by the type it expects
 * and {@link #skip}s the fields it does not know.
 *
 * <pre>{@code
 * while (r.next()) switch (r.field()) { case 1 -> name = r.string(); default -> r.skip(); }
 * }</pre>
 */
final class ProtobufReader {
    static final int VARINT = 0, FIXED64 = 1, LENGTH_DELIMITED = 2, FIXED32 = 5;

    private final byte[] buf;
    private final int end;
    private final String source;
    private int pos;
    private int field, wireType;

    /** Reads {@code buf[from, to)}; {@code source} names the file (and message) in error messages. */
    ProtobufReader(byte[] buf, int from, int to, String source) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
        this.source = source;
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= end) return false;
        long key = varint();
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field == 0) throw malformed("field number 0");
        return true;
    }

    int field() { return field; }

    /** The current field as an unsigned varint (bool, enum, int32, int64, uint64). */
    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) throw malformed("truncated varint");
            byte b = buf[pos++];
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) return value;
        }
        throw malformed("varint longer than 10 bytes");
    }

    /** The current field as a {@code float} (wire type fixed32). */
    float float32() {
        expect(FIXED32);
        int bits = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    /** The current field as a UTF-8 string. */
    String string() {
        int len = length();
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** The current field as an embedded message; this reader moves past it. */
    ProtobufReader message(String name) {
        int len = length();
        ProtobufReader sub = new ProtobufReader(buf, pos, pos + len, source + " " + name);
        pos += len;
        return sub;
    }

    /** Skips the current field's value. */
    void skip() {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> advance(length());
            case FIXED32 -> advance(4);
            default -> throw malformed("unsupported wire type " + wireType + " (field " + field + ")");
        }
    }

    private int length() {
        expect(LENGTH_DELIMITED);
        long len = varint();
        if (len > end - pos) throw malformed("field " + field + " is " + len + " bytes long but only " + (end - pos) + " remain");
        return (int) len;
    }

    private void expect(int type) {
        if (wireType != type) throw malformed("field " + field + " has wire type " + wireType + ", expected " + type);
        if (type == FIXED32 && end - pos < 4) throw malformed("truncated fixed32 in field " + field);
    }

    private void advance(long n) {
        if (n > end - pos) throw malformed("truncated field " + field);
        pos += (int) n;
    }

    private ModelFileException malformed(String what) {
        return new ModelFileException(source + ": not a valid protobuf message at byte " + pos + ": " + what);
    }
}
