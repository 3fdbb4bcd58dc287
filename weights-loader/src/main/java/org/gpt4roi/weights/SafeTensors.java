package org.gpt4roi.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;

/**
 * A memory-mapped safetensors file. Tensors are views on the mapping; nothing is copied.
 * (Minimal first version: validation and sharded sets are added by the loader work.)
 */
public final class SafeTensors implements AutoCloseable {
    private final Path file;
    private final Arena arena;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private SafeTensors(Path file, Arena arena) { this.file = file; this.arena = arena; }

    /** Maps one safetensors file. */
    public static SafeTensors open(Path file) {
        Arena arena = Arena.ofShared();
        SafeTensors st = new SafeTensors(file, arena);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            long n = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            byte[] hb = all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header = new ObjectMapper().readTree(new String(hb, StandardCharsets.UTF_8));
            MemorySegment data = all.asSlice(8 + n);
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> st.metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode v = e.getValue();
                DType dt = DType.fromName(v.get("dtype").asText());
                int[] shape = new int[v.get("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = v.get("shape").get(i).asInt();
                long b = v.get("data_offsets").get(0).asLong(), end = v.get("data_offsets").get(1).asLong();
                st.tensors.put(e.getKey(), Tensor.of(dt, new HostStorage(data.asSlice(b, end - b)), shape));
            }
        } catch (IOException e) {
            arena.close();
            throw new ModelFileException(file + ": cannot read safetensors file: " + e.getMessage(), e);
        }
        return st;
    }

    public Path file() { return file; }
    public Set<String> names() { return tensors.keySet(); }
    public boolean contains(String name) { return tensors.containsKey(name); }
    public Map<String, String> metadata() { return metadata; }

    /** The named tensor; a {@link ModelFileException} naming the file when absent. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new ModelFileException(file + ": tensor '" + name + "' is missing");
        return t;
    }

    /** The named tensor, checked to have {@code shape}. */
    public Tensor get(String name, int... shape) {
        Tensor t = get(name);
        if (!Arrays.equals(t.shape(), shape))
            throw new ModelFileException(file + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        return t;
    }

    @Override public void close() { arena.close(); }
}
