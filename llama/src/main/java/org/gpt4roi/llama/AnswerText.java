package org.gpt4roi.llama;

import java.util.function.Consumer;

/**
 * The answer's text while it is generated: decodes ids as they arrive, watches for the stop string
 * (from the second id on, as LLaVA's {@code KeywordsStoppingCriteria} does) and passes printable text
 * on. Text that might be the start of the stop string (a trailing "#" or "##") is held back until the
 * next id decides, so the stop string itself is never printed.
 */
final class AnswerText {
    private final StreamDecoder decoder;
    private final String stopString;
    private final Consumer<String> onText;
    private final StringBuilder text = new StringBuilder();
    private int printed;
    private int ids;

    AnswerText(Tokenizer tokenizer, String stopString, Consumer<String> onText) {
        this.decoder = tokenizer.streamDecoder();
        this.stopString = stopString;
        this.onText = onText;
    }

    /** Adds one generated id; true once the answer contains the stop string (never for the first id). */
    boolean add(int id) {
        text.append(decoder.push(id));
        ids++;
        print(printableEnd());
        return ids >= 2 && text.indexOf(stopString) >= 0;
    }

    /** Ends the answer: prints what was held back and returns the text before the stop string. */
    String finish() {
        text.append(decoder.flush());
        int stop = text.indexOf(stopString);
        if (stop >= 0) text.setLength(stop);
        print(text.length());
        return text.toString();
    }

    /** Before the stop string, or before a suffix that could begin it. */
    private int printableEnd() {
        int stop = text.indexOf(stopString);
        if (stop >= 0) return stop;
        int end = text.length();
        for (int k = Math.min(stopString.length() - 1, end); k > 0; k--)
            if (text.substring(end - k).equals(stopString.substring(0, k))) return end - k;
        return end;
    }

    private void print(int end) {
        if (end > printed) {
            onText.accept(text.substring(printed, end));
            printed = end;
        }
    }
}
