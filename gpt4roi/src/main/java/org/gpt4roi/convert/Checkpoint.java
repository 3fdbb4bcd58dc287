package org.gpt4roi.convert;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.gpt4roi.weights.pytorch.PyTorchCheckpoint;

/**
 * Named host tensors from a safetensors or a PyTorch checkpoint, single or sharded, whichever a
 * download holds. Tensors are views on memory-mapped files (PyTorch ones may be strided) and stay
 * valid until {@link #close()}.
 */
public interface Checkpoint extends AutoCloseable {
    /** Tensor names in file order. */
    Set<String> names();

    /** The named tensor; a {@link ModelFileException} when absent. */
    Tensor get(String name);

    /** What was opened, for messages: the path and its format. */
    String source();

    @Override void close();

    default boolean contains(String name) { return names().contains(name); }

    /**
     * Opens a file ({@code .safetensors}, {@code .bin}/{@code .pt}, or a {@code *.index.json}) or a directory
     * holding {@code model.safetensors[.index.json]} or {@code pytorch_model.bin[.index.json]}; safetensors
     * win when a directory has both (they need no unpickling).
     */
    static Checkpoint open(Path path) {
        if (Files.isDirectory(path)) {
            for (String f : new String[] {"model.safetensors.index.json", "model.safetensors"})
                if (Files.isRegularFile(path.resolve(f))) return safetensors(path.resolve(f));
            for (String f : new String[] {PyTorchCheckpoint.INDEX, PyTorchCheckpoint.SINGLE})
                if (Files.isRegularFile(path.resolve(f))) return pytorch(path.resolve(f));
            throw new ModelFileException(path + ": holds no weights (looked for model.safetensors[.index.json] and "
                    + PyTorchCheckpoint.SINGLE + "[.index.json])");
        }
        if (!Files.isRegularFile(path)) throw new ModelFileException(path + ": no such file or directory");
        String name = path.getFileName().toString();
        return name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json") ? safetensors(path) : pytorch(path);
    }

    private static Checkpoint safetensors(Path path) {
        SafeTensors st = SafeTensors.open(path);
        return new Checkpoint() {
            @Override public Set<String> names() { return st.names(); }
            @Override public Tensor get(String name) { return st.get(name); }
            @Override public boolean contains(String name) { return st.contains(name); }
            @Override public String source() { return path + " (safetensors)"; }
            @Override public void close() { st.close(); }
        };
    }

    private static Checkpoint pytorch(Path path) {
        PyTorchCheckpoint pt = PyTorchCheckpoint.open(path);
        return new Checkpoint() {
            @Override public Set<String> names() { return pt.names(); }
            @Override public Tensor get(String name) { return pt.get(name); }
            @Override public boolean contains(String name) { return pt.contains(name); }
            @Override public String source() { return path + " (PyTorch)"; }
            @Override public void close() { pt.close(); }
        };
    }
}
