package org.gpt4roi.app;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.ModelDirectory;
import picocli.CommandLine.Option;

/** Options that choose the model and where it runs; shared by ask, chat, dump, demo and serve. */
public final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Model directory (config.json, model.safetensors, tokenizer.model, added_tokens.json, clip/). "
                    + "Default: the bundled tiny random-weight model.")
    Path model;

    @Option(names = "--vision", paramLabel = "DIR", description = "CLIP ViT-L/14 directory, if not the one config.json names.")
    Path vision;

    @Option(names = "--backend", defaultValue = "cpu", description = "Compute backend: cpu or opencl (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--device", defaultValue = "0", description = "Device index for opencl (see `gpt4roi devices`).")
    int device;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads; 0 = all cores.")
    int threads;

    /** The bundled tiny model: beside the launcher in a distribution, else in the source tree. */
    static Path bundledModel() {
        String home = System.getProperty("gpt4roi.home");
        if (home != null && Files.isDirectory(Path.of(home, "share", "tiny-model"))) return Path.of(home, "share", "tiny-model");
        return Path.of("testdata", "tiny", "model");
    }

    public Path modelDir() { return model != null ? model : bundledModel(); }

    /** Opens the directory and the backend and maps the weights, reporting progress on {@code err}. */
    public Gpt4RoiModel load(PrintStream err) {
        long t0 = System.nanoTime();
        ModelDirectory dir = ModelDirectory.open(modelDir(), vision);
        Backend b = Backends.create(backend, threads, device);
        err.printf("loading %s on %s ...%n", dir.dir(), b.describe());
        Gpt4RoiModel m = Gpt4RoiModel.load(dir, b);
        err.printf("loaded in %.2f s (LLaMA %d layers × %d, CLIP %d layers × %d, vocabulary %d)%n",
                (System.nanoTime() - t0) / 1e9, dir.llama().layers(), dir.llama().hidden(),
                dir.clip().numLayers(), dir.clip().hiddenSize(), dir.llama().vocab());
        return m;
    }
}
