package org.gpt4roi.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;

/**
 * Streams tensors into a safetensors file without holding them all in memory.
 *
 * <pre>
 * [u64 n][n bytes of JSON header, space-padded to a multiple of 8][tensor bytes, in plan order]
 * </pre>
 * The header is written first, from the plan; then each tensor is written once, in plan order, with
 * {@link #write(String, Tensor)} or {@link #write(String, MemorySegment)}. {@link #close()} checks that
 * every planned tensor arrived and deletes the incomplete file otherwise.
 */
public final class SafeTensorsWriter implements AutoCloseable {
    /** Bytes gathered before each channel write when a strided tensor is copied out. */
    private static final int BUFFER_BYTES = 1 << 20;

    /** One planned tensor: its name, element type and shape. */
    public record Entry(String name, DType dtype, int[] shape) {
        public Entry {
            if (name == null || name.isEmpty() || name.equals("__metadata__"))
                throw new IllegalArgumentException("invalid tensor name '" + name + "'");
            shape = shape.clone();
            for (int d : shape)
                if (d < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
        }

        /** Bytes this tensor occupies in the file. */
        public long byteSize() { return Math.multiplyExact(Tensor.numel(shape), (long) dtype.size); }

        @Override public int[] shape() { return shape.clone(); }
    }

    private final Path file;
    private final List<Entry> plan;
    private final FileChannel channel;
    private MemorySegment staging;   // bounded buffer for strided tensors, allocated on first use
    private long staged;             // bytes waiting in staging
    private int next;            // index in plan of the next tensor to write
    private boolean closed;

    private SafeTensorsWriter(Path file, List<Entry> plan, FileChannel channel) {
        this.file = file;
        this.plan = plan;
        this.channel = channel;
    }

    /**
     * Creates (or truncates) {@code file} and writes the header for {@code plan}. Tensors are laid out in
     * plan order with no padding; order the plan by decreasing dtype size to keep every tensor aligned.
     */
    public static SafeTensorsWriter create(Path file, List<Entry> plan, Map<String, String> metadata) {
        byte[] header = headerBytes(List.copyOf(plan), metadata);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new ModelFileException(file + ": cannot create safetensors file: " + e.getMessage(), e);
        }
        SafeTensorsWriter w = new SafeTensorsWriter(file, List.copyOf(plan), ch);
        ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(header.length).put(header).flip();
        try {
            w.writeFully(prefix);
        } catch (ModelFileException e) {
            try { ch.close(); } catch (IOException suppressed) { e.addSuppressed(suppressed); }
            throw e;
        }
        return w;
    }

    /** Writes {@code tensors} (in map order) to {@code file} in one go. */
    public static void writeAll(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Entry> plan = tensors.entrySet().stream()
                .map(e -> new Entry(e.getKey(), e.getValue().dtype(), e.getValue().shape())).toList();
        try (SafeTensorsWriter w = create(file, plan, metadata)) {
            tensors.forEach(w::write);
        }
    }

    /** Writes the next planned tensor from a host tensor of the planned dtype and shape (any strides). */
    public void write(String name, Tensor t) {
        Entry e = expect(name);
        if (t.dtype() != e.dtype() || !Arrays.equals(t.shape(), e.shape))
            throw new IllegalArgumentException(file + ": tensor '" + name + "' is " + t.dtype() + " "
                    + Arrays.toString(t.shape()) + " but the plan says " + e.dtype() + " " + Arrays.toString(e.shape));
        if (!(t.storage() instanceof HostStorage))
            throw new IllegalArgumentException(file + ": tensor '" + name + "' is not in host memory; download it first");
        if (t.isContiguous()) {
            writeSegment(t.numel() == 0 ? MemorySegment.NULL : t.segment().asSlice(0, e.byteSize()));
        } else {
            writeStrided(t);
        }
        next++;
    }

    /** Writes the next planned tensor from its raw little-endian bytes. */
    public void write(String name, MemorySegment rawLittleEndianBytes) {
        Entry e = expect(name);
        if (rawLittleEndianBytes.byteSize() != e.byteSize())
            throw new IllegalArgumentException(file + ": tensor '" + name + "' got " + rawLittleEndianBytes.byteSize()
                    + " bytes, the plan (" + e.dtype() + " " + Arrays.toString(e.shape) + ") needs " + e.byteSize());
        writeSegment(rawLittleEndianBytes);
        next++;
    }

    /** Closes the file; if a planned tensor was never written, deletes it and throws. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            throw new ModelFileException(file + ": cannot close safetensors file: " + e.getMessage(), e);
        }
        if (next < plan.size()) {
            try { Files.deleteIfExists(file); } catch (IOException ignored) { /* the message below still says what failed */ }
            throw new IllegalStateException(file + ": closed after " + next + " of " + plan.size()
                    + " tensors; tensor '" + plan.get(next).name() + "' was never written, incomplete file deleted");
        }
    }

    private Entry expect(String name) {
        if (closed) throw new IllegalStateException(file + ": writer is closed");
        if (next == plan.size())
            throw new IllegalArgumentException(file + ": tensor '" + name + "' written after all " + plan.size() + " planned tensors");
        Entry e = plan.get(next);
        if (!e.name().equals(name))
            throw new IllegalArgumentException(file + ": tensor '" + name + "' written out of order; the plan expects '"
                    + e.name() + "' next");
        return e;
    }

    /** Writes a segment in chunks a ByteBuffer can address (under 2 GB each). */
    private void writeSegment(MemorySegment s) {
        for (long pos = 0; pos < s.byteSize(); pos += BUFFER_BYTES * 64L) {
            long len = Math.min(BUFFER_BYTES * 64L, s.byteSize() - pos);
            writeFully(s.asSlice(pos, len).asByteBuffer());
        }
    }

    /** Gathers a strided tensor row by row (rows = last dimension) through the bounded buffer. */
    private void writeStrided(Tensor t) {
        if (staging == null) staging = Arena.ofAuto().allocate(BUFFER_BYTES, 64);
        MemorySegment src = ((HostStorage) t.storage()).segment();
        int size = t.dtype().size;
        int rank = t.rank();
        int rowLength = t.dim(-1);               // rank >= 1: a rank-0 tensor is always contiguous
        long rowStride = t.stride(-1);
        long rows = rowLength == 0 ? 0 : t.numel() / rowLength;
        int[] idx = new int[rank - 1];           // index over all but the last dimension
        for (long r = 0; r < rows; r++) {
            long element = t.offset();
            for (int i = 0; i < idx.length; i++) element += idx[i] * t.stride(i);
            if (rowStride == 1) {
                stage(src, element * size, (long) rowLength * size);
            } else {
                for (int j = 0; j < rowLength; j++, element += rowStride) stage(src, element * size, size);
            }
            for (int i = idx.length - 1; i >= 0 && ++idx[i] == t.dim(i); i--) idx[i] = 0;
        }
        flushStaging();
    }

    /** Appends bytes to the staging buffer, writing it out whenever it fills. */
    private void stage(MemorySegment src, long from, long bytes) {
        while (bytes > 0) {
            long n = Math.min(bytes, BUFFER_BYTES - staged);
            MemorySegment.copy(src, from, staging, staged, n);
            staged += n; from += n; bytes -= n;
            if (staged == BUFFER_BYTES) flushStaging();
        }
    }

    private void flushStaging() {
        writeFully(staging.asSlice(0, staged).asByteBuffer());
        staged = 0;
    }

    private void writeFully(ByteBuffer b) {
        try {
            while (b.hasRemaining()) channel.write(b);
        } catch (IOException e) {
            throw new ModelFileException(file + ": cannot write safetensors file: " + e.getMessage(), e);
        }
    }

    /** The JSON header for a plan, padded with spaces so the data area starts at a multiple of 8. */
    static byte[] headerBytes(List<Entry> plan, Map<String, String> metadata) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach((k, v) -> {
                if (k == null || v == null) throw new IllegalArgumentException("metadata " + k + "=" + v + " has a null");
                m.put(k, v);
            });
        }
        long offset = 0;
        for (Entry e : plan) {
            if (root.has(e.name())) throw new IllegalArgumentException("tensor '" + e.name() + "' is planned twice");
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            var shape = t.putArray("shape");
            for (int d : e.shape) shape.add(d);
            long end = offset + e.byteSize();
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] text = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(text, padded);
        Arrays.fill(out, text.length, padded, (byte) ' ');
        return out;
    }
}
