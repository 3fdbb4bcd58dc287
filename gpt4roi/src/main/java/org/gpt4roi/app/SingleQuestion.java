package org.gpt4roi.app;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.gpt4roi.chat.Answer;
import org.gpt4roi.chat.Conversation;
import org.gpt4roi.chat.GenerationSettings;
import org.gpt4roi.chat.Prompt;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.ImageContext;
import org.gpt4roi.model.StageTimer;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.vit.RgbImage;

/** One image, some boxes, one question: the work shared by {@code ask} and {@code demo}. */
final class SingleQuestion {
    private SingleQuestion() {}

    static Answer run(Gpt4RoiModel model, Path imagePath, List<Box> boxes, String question, GenerationSettings settings,
                      boolean showPrompt, Path annotate, PrintStream out, PrintStream err) {
        StageTimer timer = new StageTimer();
        RgbImage image = timer.time("image", () -> RgbImage.read(imagePath));
        ImageContext ctx = model.encodeImage(image, Probe.NONE, timer);
        Conversation conv = new Conversation(model, ctx);
        err.println(kvCacheLine(conv));
        conv.addBoxes(boxes, timer);
        if (showPrompt) {
            String text = Prompt.render(List.of(new Prompt.Turn(question, null)), boxes.size()).text();
            out.println("Prompt (" + model.tokenizer.encode(text).length + " tokens; the 256 <im_patch> shown once):");
            out.println(abbreviate(text));
            out.println();
            out.print("Answer: ");
        }
        Answer a = conv.ask(question, settings, s -> { out.print(s); out.flush(); }, timer);
        out.println();
        if (annotate != null) {
            Annotator.write(image, boxes, annotate);
            err.println("annotated image written to " + annotate);
        }
        for (int n : a.unusedRegions()) err.println("warning: box " + n + " is never referred to (use <region" + n + "> in the prompt)");
        err.println(timings(timer, a));
        return a;
    }

    /** "KV cache: 2048 tokens, 2.0 MiB (allocated up front)". */
    static String kvCacheLine(Conversation conv) {
        return String.format("KV cache: %d tokens, %.1f MiB (allocated up front)", conv.cache().capacity(),
                conv.cache().bytes() / (1024.0 * 1024.0));
    }

    /** The prompt with its 256 identical patch tokens written once. */
    static String abbreviate(String prompt) {
        return prompt.replace(Prompt.IMAGE_TOKENS, "<im_start><im_patch>×" + Prompt.IMAGE_PATCHES + "<im_end>");
    }

    static String timings(StageTimer t, Answer a) {
        return String.format("time: image %.3f s · vision %.3f s · regions %.3f s · prefill %d tokens %.3f s (%.1f tokens/s)"
                        + " · decode %d tokens %.3f s (%.2f tokens/s) · stop: %s",
                t.seconds("image"), t.seconds("vision"), t.seconds("regions"), a.prefillTokens(), t.seconds("prefill"),
                a.prefillTokensPerSecond(), a.decodeSteps(), t.seconds("decode"), a.decodeTokensPerSecond(), a.stopReason());
    }
}
