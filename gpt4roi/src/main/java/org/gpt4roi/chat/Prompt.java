package org.gpt4roi.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gpt4roi.tensor.InputException;

/**
 * The LLaVA v0 "###" template GPT4RoI was trained with, and the region-tag rules of its demo.
 *
 * <pre>
 * SYSTEM "\n\n" ("### Human: " q "\n" "### Assistant: " a "\n")* "### Human: " q "\n" "### "
 * first question: "The &lt;image&gt; provides an overview of the picture.\n" + question
 * &lt;image&gt;   → &lt;im_start&gt; + 256 × &lt;im_patch&gt; + &lt;im_end&gt;
 * &lt;regionN&gt; → "regionN &lt;bbox&gt;" the first time N is named, plain "regionN" afterwards; &lt;N&gt; likewise;
 * &lt;&gt;        → "&lt;bbox&gt;" for the next box not yet named
 * </pre>
 * Each {@code <bbox>} token takes the vector of the box it names ({@link Rendered#bboxBoxes}).
 */
public final class Prompt {
    private Prompt() {}

    public static final String SYSTEM = "A chat between a curious human and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the human's questions.";
    public static final String IMAGE_PREFIX = "The <image> provides an overview of the picture.\n";
    public static final int IMAGE_PATCHES = 256;
    public static final String IMAGE_TOKENS = "<im_start>" + "<im_patch>".repeat(IMAGE_PATCHES) + "<im_end>";

    private static final String[] RESERVED = {"<image>", "<im_patch>", "<im_start>", "<im_end>", "<bbox>", "<point>", "[PAD]"};
    private static final Pattern TAG = Pattern.compile("<region(\\d+)>|<(\\d+)>|<>");

    /** One finished or pending exchange; {@code answer} is null for the turn being asked. */
    public record Turn(String question, String answer) {}

    /**
     * The assembled prompt text and, for each {@code <bbox>} in order, the 0-based index of its box.
     * {@code regionsNamed} holds every 1-based region number the conversation names.
     */
    public record Rendered(String text, List<Integer> bboxBoxes, Set<Integer> regionsNamed) {}

    /**
     * Renders a conversation (the last turn unanswered) for {@code boxCount} boxes.
     * A tag naming a box that does not exist is an {@link InputException}.
     */
    public static Rendered render(List<Turn> turns, int boxCount) {
        StringBuilder sb = new StringBuilder(SYSTEM).append("\n\n");
        List<Integer> bboxBoxes = new ArrayList<>();
        Set<Integer> named = new TreeSet<>();
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            for (String special : RESERVED)
                if (t.question().contains(special))
                    throw new InputException("turn " + (i + 1) + ": the question contains the reserved token '" + special
                            + "'; refer to boxes with <region1>, <region2>, ...");
            String q = (i == 0 ? IMAGE_PREFIX : "") + t.question();
            q = substituteRegions(q, boxCount, bboxBoxes, named, i + 1);
            q = q.replace("<image>", IMAGE_TOKENS);
            sb.append("### Human: ").append(q).append('\n');
            if (t.answer() != null) sb.append("### Assistant: ").append(t.answer()).append('\n');
        }
        sb.append("### ");
        return new Rendered(sb.toString(), List.copyOf(bboxBoxes), Set.copyOf(named));
    }

    private static String substituteRegions(String q, int boxCount, List<Integer> bboxBoxes, Set<Integer> named, int turn) {
        Matcher m = TAG.matcher(q);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String num = m.group(1) != null ? m.group(1) : m.group(2);
            int n;
            if (num == null) {                       // "<>": the next box no tag has named yet
                n = 1;
                while (named.contains(n)) n++;
            } else {
                try { n = Integer.parseInt(num); }
                catch (NumberFormatException e) { n = Integer.MAX_VALUE; }
            }
            if (n < 1 || n > boxCount)
                throw new InputException("turn " + turn + ": '" + m.group() + "' refers to region " + (n == Integer.MAX_VALUE ? num : n)
                        + " but " + (boxCount == 0 ? "no box was given" : "only " + boxCount + " box" + (boxCount == 1 ? " was" : "es were") + " given")
                        + " (add a box with --box x1,y1,x2,y2)");
            String replacement;
            if (num == null) {
                named.add(n);
                bboxBoxes.add(n - 1);
                replacement = "<bbox>";
            } else if (named.add(n)) {
                bboxBoxes.add(n - 1);
                replacement = "region" + n + " <bbox>";
            } else {
                replacement = "region" + n;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The answer as shown to a user: generated text without the trailing "###" and the "Assistant:" prefix. */
    public static String cleanAnswer(String generated) {
        String s = generated.strip();
        int cut = s.indexOf("###");
        if (cut >= 0) s = s.substring(0, cut).strip();
        if (s.startsWith("Assistant:")) s = s.substring("Assistant:".length()).strip();
        return s;
    }
}
