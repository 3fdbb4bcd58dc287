package org.gpt4roi.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.gpt4roi.chat.Answer;
import org.gpt4roi.chat.Conversation;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.ImageContext;
import org.gpt4roi.model.StageTimer;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.vit.RgbImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code gpt4roi chat}: a multi-turn conversation about one image. The image is encoded once; each
 * line is a question; {@code /box x1,y1,x2,y2} adds a box for the next questions.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Talk about an image, turn after turn. Type a question with <region1>, <region2>, ... tags.",
                "Commands: /box x1,y1,x2,y2 (add a box), /boxes (list), /reset (forget the conversation), /quit."})
final class ChatCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin ImageOptions image;
    @Mixin GenerationOptions generation;

    @Override public Integer call() throws IOException {
        List<Box> initial = image.parsedBoxes();
        var settings = generation.settings();
        try (Gpt4RoiModel m = model.load(System.err)) {
            StageTimer timer = new StageTimer();
            RgbImage img = timer.time("image", () -> RgbImage.read(image.image));
            ImageContext ctx = m.encodeImage(img, Probe.NONE, timer);
            System.err.printf("image %d×%d encoded (%s)%n", img.width(), img.height(), timer);
            Conversation conv = newConversation(m, ctx, initial);
            System.err.println(SingleQuestion.kvCacheLine(conv));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<Box> pending = new ArrayList<>();
            while (true) {
                System.out.print("\nHuman: ");
                System.out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/quit")) break;
                line = line.strip();
                if (line.isEmpty()) continue;
                try {
                    if (line.startsWith("/box ")) {
                        Box b = Box.parse(line.substring(5)).validate(conv.boxes().size() + pending.size());
                        pending.add(b);
                        System.out.println("box " + (conv.boxes().size() + pending.size()) + " = " + b + ": refer to it as <region"
                                + (conv.boxes().size() + pending.size()) + ">");
                    } else if (line.equals("/boxes")) {
                        List<Box> all = new ArrayList<>(conv.boxes());
                        all.addAll(pending);
                        for (int k = 0; k < all.size(); k++) System.out.println("<region" + (k + 1) + "> " + all.get(k));
                    } else if (line.equals("/reset")) {
                        List<Box> all = new ArrayList<>(conv.boxes());
                        all.addAll(pending);
                        pending.clear();
                        conv = newConversation(m, ctx, all);
                        System.out.println("conversation reset (boxes kept)");
                    } else if (line.startsWith("/")) {
                        System.out.println("unknown command " + line + "; commands: /box x1,y1,x2,y2, /boxes, /reset, /quit");
                    } else {
                        StageTimer t = new StageTimer();
                        conv.addBoxes(pending, t);
                        pending.clear();
                        System.out.print("Assistant: ");
                        Answer a = conv.ask(line, settings, s -> { System.out.print(s); System.out.flush(); }, t);
                        System.out.println();
                        System.err.println(SingleQuestion.timings(t, a) + " · reused " + a.reusedTokens() + " cached tokens");
                    }
                } catch (InputException e) {
                    System.out.println("error: " + e.getMessage());
                }
            }
        }
        return 0;
    }

    private static Conversation newConversation(Gpt4RoiModel m, ImageContext ctx, List<Box> boxes) {
        Conversation c = new Conversation(m, ctx);
        c.addBoxes(boxes, new StageTimer());
        return c;
    }
}
