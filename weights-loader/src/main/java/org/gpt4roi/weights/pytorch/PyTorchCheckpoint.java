package org.gpt4roi.weights.pytorch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;

/**
 * A PyTorch checkpoint read without Python and without running any pickled code: one zip-format
 * {@code torch.save} file ({@code .bin}/{@code .pt}/{@code .pth}), or a Hugging Face sharded set
 * ({@code pytorch_model.bin.index.json} + its shards). Files are memory-mapped; each tensor is a view
 * on its storage with the pickled strides and storage offset, so it may be non-contiguous (see
 * {@link Tensor#isContiguous()}). Tensors stay valid until {@link #close()}.
 */
public final class PyTorchCheckpoint implements AutoCloseable {
    public static final String INDEX = "pytorch_model.bin.index.json";
    public static final String SINGLE = "pytorch_model.bin";

    private final List<TorchFile> files;
    private final Map<String, Tensor> tensors;
    private final Map<String, Path> fileOf;

    private PyTorchCheckpoint(List<TorchFile> files, Map<String, Tensor> tensors, Map<String, Path> fileOf) {
        this.files = files;
        this.tensors = tensors;
        this.fileOf = fileOf;
    }

    /**
     * Opens a checkpoint file, a {@code *.index.json} of a sharded set, or a directory holding
     * {@value #INDEX} or {@value #SINGLE}.
     */
    public static PyTorchCheckpoint open(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(INDEX))) return openIndex(path.resolve(INDEX));
            if (Files.isRegularFile(path.resolve(SINGLE))) return openFile(path.resolve(SINGLE));
            throw new ModelFileException(path + ": holds neither " + INDEX + " nor " + SINGLE);
        }
        if (!Files.isRegularFile(path)) throw new ModelFileException(path + ": no such file");
        return path.getFileName().toString().endsWith(".index.json") ? openIndex(path) : openFile(path);
    }

    private static PyTorchCheckpoint openFile(Path file) {
        TorchFile f = TorchFile.open(file);
        Map<String, Path> where = new LinkedHashMap<>();
        f.tensors().keySet().forEach(n -> where.put(n, file));
        return new PyTorchCheckpoint(List.of(f), f.tensors(), where);
    }

    /** A sharded set: {@code {"weight_map": {name: shard file}}}; names ordered shard by shard. */
    private static PyTorchCheckpoint openIndex(Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        weightMap.forEach((name, shard) -> byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(name));
        List<TorchFile> opened = new ArrayList<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Path> where = new LinkedHashMap<>();
        try {
            for (String shard : byShard.keySet().stream().sorted().toList()) {
                Path file = index.resolveSibling(shard);
                if (!Files.isRegularFile(file))
                    throw new ModelFileException(index + ": names shard " + shard + ", which is not in " + index.getParent());
                TorchFile f = TorchFile.open(file);
                opened.add(f);
                Set<String> listed = new LinkedHashSet<>(byShard.get(shard));
                for (Map.Entry<String, Tensor> e : f.tensors().entrySet())
                    if (listed.remove(e.getKey())) {
                        tensors.put(e.getKey(), e.getValue());
                        where.put(e.getKey(), file);
                    }
                if (!listed.isEmpty())
                    throw new ModelFileException(index + ": lists " + listed.size() + " tensor(s) in " + shard
                            + " that the shard does not hold, e.g. '" + listed.iterator().next() + "' (mismatched download?)");
            }
        } catch (RuntimeException e) {
            opened.forEach(TorchFile::close);
            throw e;
        }
        return new PyTorchCheckpoint(opened, tensors, where);
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new ModelFileException(index + ": not valid JSON: " + e.getMessage(), e);
        }
        if (map == null || !map.isObject() || map.isEmpty())
            throw new ModelFileException(index + ": has no \"weight_map\" object of tensor name → shard file");
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String shard = e.getValue().asText();
            if (!e.getValue().isTextual() || shard.contains("/") || shard.contains("\\"))
                throw new ModelFileException(index + ": weight_map entry '" + e.getKey() + "' must name a shard file beside the index");
            out.put(e.getKey(), shard);
        }
        return out;
    }

    /** Tensor names, shard by shard in file order. */
    public Set<String> names() { return tensors.keySet(); }

    public boolean contains(String name) { return tensors.containsKey(name); }

    /** The named tensor (a view, maybe strided); a {@link ModelFileException} when absent. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new ModelFileException(describe() + ": tensor '" + name + "' is missing");
        return t;
    }

    /** The named tensor, checked to have {@code shape}. */
    public Tensor get(String name, int... shape) {
        Tensor t = get(name);
        if (!Arrays.equals(t.shape(), shape))
            throw new ModelFileException(fileOf(name) + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        return t;
    }

    /** The file holding {@code name}. */
    public Path fileOf(String name) {
        get(name);
        return fileOf.get(name);
    }

    /** The files of this checkpoint, in order. */
    public List<Path> files() { return files.stream().map(TorchFile::file).toList(); }

    private String describe() {
        return files.size() == 1 ? files.getFirst().file().toString() : files.getFirst().file().getParent() + " (" + files.size() + " shards)";
    }

    @Override public void close() { files.forEach(TorchFile::close); }
}
