package org.gpt4roi.weights.pytorch;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.gpt4roi.tensor.ModelFileException;

/**
 * A zip archive mapped into memory whose stored (uncompressed) entries are read in place, as
 * PyTorch writes them. Parses the end record (zip64 too: shards above 4 GB), the central
 * directory and each entry's local header; nothing is copied onto the heap.
 *
 * <pre>
 * [local header 30 B + name + extra][entry bytes] ... [central directory] [zip64 end + locator] [end record 22 B]
 * </pre>
 */
final class StoredZip implements AutoCloseable {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int LOCAL_HEADER = 0x04034b50, CENTRAL_HEADER = 0x02014b50, END = 0x06054b50,
            ZIP64_END = 0x06064b50, ZIP64_LOCATOR = 0x07064b50;
    private static final long MAX_32 = 0xffffffffL;

    /** One entry of the central directory. */
    record Entry(String name, int method, long size, long localHeaderOffset) {}

    private final Path file;
    private final Arena arena;
    private final MemorySegment bytes;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private StoredZip(Path file, Arena arena, MemorySegment bytes) {
        this.file = file;
        this.arena = arena;
        this.bytes = bytes;
    }

    /** Maps {@code file} and reads its central directory. */
    static StoredZip open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            StoredZip zip = new StoredZip(file, arena, ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena));
            zip.readCentralDirectory();
            return zip;
        } catch (IOException e) {
            arena.close();
            throw new ModelFileException(file + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    Path file() { return file; }

    Set<String> names() { return entries.keySet(); }

    boolean contains(String name) { return entries.containsKey(name); }

    /** The central-directory record of {@code name}, or null. */
    Entry entry(String name) { return entries.get(name); }

    /** The bytes of a stored entry, in place. */
    MemorySegment data(String name) {
        Entry e = entries.get(name);
        if (e == null) throw fail("has no entry " + name);
        if (e.method != 0)
            throw fail("entry " + name + " is compressed (zip method " + e.method + "); PyTorch stores entries"
                    + " uncompressed, so the file was re-zipped: re-save it with torch.save");
        long h = e.localHeaderOffset;
        if (h + 30 > bytes.byteSize() || bytes.get(U32, h) != LOCAL_HEADER)
            throw fail("the local header of entry " + name + " at byte " + h + " is missing (truncated or corrupt file)");
        long start = h + 30 + u16(h + 26) + u16(h + 28);
        if (start + e.size > bytes.byteSize())
            throw fail("entry " + name + " (" + e.size + " bytes at byte " + start + ") runs past the end of the file"
                    + " (" + bytes.byteSize() + " bytes): the file is truncated");
        return bytes.asSlice(start, e.size);
    }

    private void readCentralDirectory() {
        long end = findEndRecord();
        long count = u16(end + 10), cdSize = u32(end + 12), cdOffset = u32(end + 16);
        long locator = end - 20;
        if (locator >= 0 && bytes.get(U32, locator) == ZIP64_LOCATOR) {
            long z = bytes.get(U64, locator + 8);
            if (z < 0 || z + 56 > locator || bytes.get(U32, z) != ZIP64_END)
                throw fail("the zip64 end record named by the locator (byte " + z + ") is missing: corrupt file");
            count = bytes.get(U64, z + 32);
            cdSize = bytes.get(U64, z + 40);
            cdOffset = bytes.get(U64, z + 48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > end)
            throw fail("the central directory (" + cdSize + " bytes at byte " + cdOffset + ") lies outside the file: corrupt or truncated");
        long p = cdOffset;
        for (long i = 0; i < count; i++) p = readCentralEntry(p, cdOffset + cdSize);
    }

    /** Reads the central-directory record at {@code p}; returns the offset of the next one. */
    private long readCentralEntry(long p, long limit) {
        if (p + 46 > limit || bytes.get(U32, p) != CENTRAL_HEADER)
            throw fail("central directory record at byte " + p + " is malformed: corrupt file");
        int method = u16(p + 10), nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
        long size = u32(p + 24), offset = u32(p + 42);
        long next = p + 46 + nameLen + extraLen + commentLen;
        if (next > limit) throw fail("central directory record at byte " + p + " runs past the directory: corrupt file");
        String name = new String(bytes.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        // zip64 extra field (id 1): the 8-byte values of the 32-bit fields that read 0xffffffff, in this order.
        for (long x = p + 46 + nameLen, xEnd = x + extraLen; x + 4 <= xEnd; x += 4 + u16(x + 2)) {
            if (u16(x) != 1) continue;
            long v = x + 4, fieldEnd = Math.min(v + u16(x + 2), xEnd);
            if (size == MAX_32) { size = zip64Value(v, fieldEnd, name); v += 8; }
            if (u32(p + 20) == MAX_32) v += 8;   // compressed size
            if (offset == MAX_32) offset = zip64Value(v, fieldEnd, name);
        }
        if (size < 0 || offset < 0) throw fail("entry " + name + " has a size or offset beyond 2^63: corrupt file");
        entries.put(name, new Entry(name, method, size, offset));
        return next;
    }

    private long zip64Value(long at, long fieldEnd, String name) {
        if (at + 8 > fieldEnd) throw fail("the zip64 field of entry " + name + " is too short: corrupt file");
        return bytes.get(U64, at);
    }

    /** The end-of-central-directory record: the last 22+ bytes (a comment of up to 64 KiB may follow it). */
    private long findEndRecord() {
        long last = bytes.byteSize() - 22;
        for (long p = last; p >= 0 && p >= last - 65535; p--)
            if (bytes.get(U32, p) == END) return p;
        throw fail("has no zip end record: the file is truncated (an interrupted download?) or not a zip archive");
    }

    private int u16(long at) { return Short.toUnsignedInt(bytes.get(U16, at)); }

    private long u32(long at) { return Integer.toUnsignedLong(bytes.get(U32, at)); }

    private ModelFileException fail(String what) { return new ModelFileException(file + ": " + what); }

    @Override public void close() { arena.close(); }
}
