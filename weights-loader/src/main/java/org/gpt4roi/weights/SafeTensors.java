package org.gpt4roi.weights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;

/**
 * Named tensors memory-mapped from one safetensors file or a sharded set. Tensors are views on the
 * mapping (host {@code MemorySegment}s); nothing is copied onto the heap, so a 14 GB model costs only
 * its header. Every header is validated before use ({@link SafeTensorsHeader}); {@link #close()}
 * unmaps all files, after which the tensors must not be touched.
 */
public final class SafeTensors implements AutoCloseable {
    /** The single-file name in a model directory. */
    public static final String FILE_NAME = "model.safetensors";

    private final Path file;
    private final Arena arena;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, Path> shardOf = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private SafeTensors(Path file, Arena arena) {
        this.file = file;
        this.arena = arena;
    }

    /**
     * Opens {@code path}: a {@code .safetensors} file, a {@code model.safetensors.index.json}, or a
     * directory holding {@code model.safetensors} (preferred) or {@code model.safetensors.index.json}.
     */
    public static SafeTensors open(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve(FILE_NAME))) return open(path.resolve(FILE_NAME));
            if (Files.exists(path.resolve(SafeTensorsIndex.FILE_NAME))) return open(path.resolve(SafeTensorsIndex.FILE_NAME));
            throw new ModelFileException(path + ": directory holds neither " + FILE_NAME + " nor "
                    + SafeTensorsIndex.FILE_NAME + "; point at the model directory or the weights file");
        }
        SafeTensors st = new SafeTensors(path, Arena.ofShared());
        try {
            if (path.getFileName().toString().endsWith(".json")) st.mapShards(SafeTensorsIndex.read(path));
            else st.metadata.putAll(st.mapFile(path, null));
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
        return st;
    }

    /** The path opened: the single file or the index. */
    public Path file() { return file; }

    /** The file holding tensor {@code name} (the shard, for a sharded set). */
    public Path fileOf(String name) {
        get(name);
        return shardOf.get(name);
    }

    /** Tensor names in file (or index) order. */
    public Set<String> names() { return Collections.unmodifiableSet(tensors.keySet()); }

    public boolean contains(String name) { return tensors.containsKey(name); }

    /** The file's {@code __metadata__}, or for a sharded set the index's "metadata" (values as text). */
    public Map<String, String> metadata() { return Collections.unmodifiableMap(metadata); }

    /** The named tensor; a {@link ModelFileException} naming the file when absent. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null)
            throw new ModelFileException(file + ": tensor '" + name + "' is missing (" + tensors.size()
                    + " tensors present" + closestName(name) + "); are these the weights for this model?");
        return t;
    }

    /** The named tensor, checked to have exactly {@code shape}. */
    public Tensor get(String name, int... shape) {
        Tensor t = get(name);
        if (!Arrays.equals(t.shape(), shape))
            throw new ModelFileException(shardOf.get(name) + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", the model expects " + Arrays.toString(shape) + "; do the weights match config.json?");
        return t;
    }

    /** A model weight: {@link #get(String, int...)} and a float dtype (F32, F16 or BF16). */
    public Tensor weight(String name, int... shape) {
        Tensor t = get(name, shape);
        if (t.dtype() != DType.F32 && t.dtype() != DType.F16 && t.dtype() != DType.BF16)
            throw new ModelFileException(shardOf.get(name) + ": tensor '" + name + "' is " + t.dtype()
                    + "; a model weight must be F32, F16 or BF16");
        return t;
    }

    /** Unmaps every file of the set. */
    @Override public void close() { arena.close(); }

    /** Maps one file and adds its tensors (all of them, or those {@code wanted} lists); returns its metadata. */
    private Map<String, String> mapFile(Path path, Set<String> wanted) {
        MemorySegment mapped;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(path + ": file does not exist");
        } catch (IOException e) {
            throw new ModelFileException(path + ": cannot map safetensors file: " + e.getMessage(), e);
        }
        SafeTensorsHeader header = SafeTensorsHeader.read(path, mapped);
        MemorySegment data = mapped.asSlice(header.dataStart());
        for (SafeTensorsHeader.Entry e : header.tensors()) {
            if (wanted != null && !wanted.contains(e.name())) continue;
            MemorySegment bytes = data.asSlice(e.begin(), e.end() - e.begin());
            tensors.put(e.name(), Tensor.of(e.dtype(), new HostStorage(bytes), e.shape()));
            shardOf.put(e.name(), path);
        }
        return header.metadata();
    }

    /** Maps each shard of an index once; every tensor the index lists must be in its shard. */
    private void mapShards(SafeTensorsIndex index) {
        metadata.putAll(index.metadata());
        for (String shard : index.shards()) {
            Path shardPath = index.shardPath(shard);
            Set<String> listed = new LinkedHashSet<>();
            index.weightMap().forEach((name, s) -> { if (s.equals(shard)) listed.add(name); });
            if (!Files.exists(shardPath))
                throw new ModelFileException(index.file() + ": shard '" + shard + "' (holding " + listed.size()
                        + " tensors, e.g. '" + listed.iterator().next() + "') does not exist at " + shardPath
                        + "; the download is incomplete");
            mapFile(shardPath, listed);
        }
        Map<String, Tensor> inIndexOrder = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null)
                throw new ModelFileException(index.file() + ": tensor '" + e.getKey() + "' is listed in shard '"
                        + e.getValue() + "', which does not contain it; the index and shards do not match");
            inIndexOrder.put(e.getKey(), t);
        }
        tensors.clear();
        tensors.putAll(inIndexOrder);
    }

    /** ", closest: 'x'" for the present name sharing the longest prefix with {@code name}, or "". */
    private String closestName(String name) {
        String best = null;
        int bestLength = 0;
        for (String n : tensors.keySet()) {
            int k = 0;
            while (k < n.length() && k < name.length() && n.charAt(k) == name.charAt(k)) k++;
            if (k > bestLength) { best = n; bestLength = k; }
        }
        return best == null ? "" : ", closest: '" + best + "'";
    }
}
