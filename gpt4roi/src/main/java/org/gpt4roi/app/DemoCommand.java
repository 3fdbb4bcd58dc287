package org.gpt4roi.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.gpt4roi.chat.GenerationSettings;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.roi.Box;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gpt4roi demo}: the whole pipeline on the bundled tiny model and photo, greedy, with the
 * assembled prompt and the time of each stage. Runs when {@code gpt4roi} is given no command.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on a bundled photo with one box and one question (the default command).",
                "Uses the bundled tiny model unless --model is given. The tiny model has RANDOM weights: its answer is",
                "gibberish, but every stage is the real computation, checked against a PyTorch reference."})
final class DemoCommand implements Callable<Integer> {
    static final String QUESTION = "What is <region1> doing?";
    static final Box BOX = new Box(236, 45, 380, 280);

    @Mixin ModelOptions model = new ModelOptions();

    @Option(names = "--max-new-tokens", defaultValue = "24", description = "Longest answer in tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens = 24;

    static Path bundledImage() {
        String home = System.getProperty("gpt4roi.home");
        if (home != null && Files.isRegularFile(Path.of(home, "share", "extreme_ironing.jpg")))
            return Path.of(home, "share", "extreme_ironing.jpg");
        return Path.of("testdata", "images", "extreme_ironing.jpg");
    }

    @Override public Integer call() {
        Path img = bundledImage();
        boolean tiny = model.model == null;
        System.out.println("GPT4RoI demo: " + img.getFileName() + ", box region1 = " + BOX + " (pixels), greedy decoding.");
        if (tiny) System.out.println("Model: the bundled TINY model with RANDOM weights: expect gibberish. For real weights see "
                + "README \"Real GPT4RoI weights\" and pass --model DIR.");
        System.out.println();
        try (Gpt4RoiModel m = model.load(System.err)) {
            SingleQuestion.run(m, img, List.of(BOX), QUESTION, GenerationSettings.greedy(maxNewTokens), true, null,
                    System.out, System.out);
        }
        return 0;
    }
}
