package org.gpt4roi.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gpt4roi.convert.ByteSize;
import org.gpt4roi.convert.Converter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpt4roi convert}: the GPT4RoI delta release + LLaMA-7B + CLIP → a model directory (see {@link Converter}). */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Make a model directory from the GPT4RoI-7B-delta-V0 release, LLaMA-7B (Hugging Face format)"
                + " and CLIP ViT-L/14, tensor by tensor (fits a 24 GB machine; no Python needed).",
                "The delta's LLaMA tensors are added to the base's (F32 sum, rounded to F16 as PyTorch does);"
                        + " projector and region module are copied; CLIP's vision tower goes to DIR/clip."})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--base", required = true, paramLabel = "LLAMA_DIR",
            description = "LLaMA-7B in Hugging Face format: model*.safetensors or pytorch_model*.bin (single or sharded).")
    Path base;

    @Option(names = "--delta", required = true, paramLabel = "DELTA_DIR",
            description = "GPT4RoI-7B-delta-V0: pytorch_model-*.bin shards + index, config.json, tokenizer files.")
    Path delta;

    @Option(names = "--vision", required = true, paramLabel = "CLIP_DIR",
            description = "openai/clip-vit-large-patch14: model.safetensors or pytorch_model.bin, and config.json.")
    Path vision;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The new model directory (absent or empty).")
    Path out;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "2GB",
            description = "Largest weights file to write (default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Spec CommandSpec spec;

    @Override public Integer call() {
        Converter.Report report = Converter.run(
                new Converter.Options(base, delta, vision, out, ByteSize.parse(maxShardSize)), spec.commandLine().getErr());
        spec.commandLine().getOut().print(Converter.summary(report, out));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
