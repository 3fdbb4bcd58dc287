package org.gpt4roi.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gpt4roi.model.Gpt4RoiModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gpt4roi ask}: one question about regions of an image, the answer streamed to standard output. */
@Command(name = "ask", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Ask one question about boxes on an image; the answer is streamed as it is generated.",
                "Stage times go to standard error.",
                "Example: gpt4roi ask --model DIR --image photo.jpg --box 236,45,380,280 --prompt \"What is <region1> doing?\""})
final class AskCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin ImageOptions image;
    @Mixin GenerationOptions generation;

    @Option(names = "--prompt", required = true, description = "The question; <region1>, <region2>, ... refer to the boxes.")
    String prompt;

    @Option(names = "--show-prompt", description = "Print the assembled prompt first.")
    boolean showPrompt;

    @Option(names = "--annotate", paramLabel = "OUT.png", description = "Also write the image with each box drawn and labelled.")
    Path annotate;

    @Override public Integer call() {
        var boxes = image.parsedBoxes();
        var settings = generation.settings();
        try (Gpt4RoiModel m = model.load(System.err)) {
            SingleQuestion.run(m, image.image, boxes, prompt, settings, showPrompt, annotate, System.out, System.err);
        }
        return 0;
    }
}
