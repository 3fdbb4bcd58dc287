package org.gpt4roi.app;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gpt4roi.model.Dumper;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.TensorCollector;
import org.gpt4roi.vit.RgbImage;
import org.gpt4roi.weights.SafeTensorsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gpt4roi dump}: one greedy run that writes every tensor of the reference's golden list, under
 * the same names, to a safetensors file (compare it with the reference's {@code compare}).
 */
@Command(name = "dump", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run greedy decoding for N steps and write every intermediate tensor of the golden list",
                "(pixel_values, vision.hidden_states.*, image_tokens, spi.*, region_embeddings, inputs_embeds,",
                "prefill.*, greedy_ids, greedy.logits.*) to a safetensors file."})
final class DumpCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin ImageOptions image;

    @Option(names = "--prompt", required = true, description = "The question; <region1>, ... refer to the boxes.")
    String prompt;

    @Option(names = "--steps", defaultValue = "10", description = "Greedy steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors", description = "Where to write the tensors.")
    Path out;

    @Override public Integer call() {
        var boxes = image.parsedBoxes();
        try (Gpt4RoiModel m = model.load(System.err)) {
            RgbImage img = RgbImage.read(image.image);
            TensorCollector c = Dumper.run(m, img, boxes, prompt, steps);
            Map<String, String> meta = new LinkedHashMap<>(Dumper.metadata(m, image.image.getFileName().toString(), img, prompt,
                    steps, toInts(c.get("greedy_ids").toLongArray())));
            SafeTensorsWriter.writeAll(out, c.tensors(), meta);
            System.err.println("wrote " + c.tensors().size() + " tensors to " + out + "; greedy text: " + meta.get("greedy_text"));
        }
        return 0;
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (int) v[i];
        return out;
    }
}
