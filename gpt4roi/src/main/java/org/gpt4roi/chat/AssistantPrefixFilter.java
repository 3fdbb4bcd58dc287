package org.gpt4roi.chat;

import java.util.function.Consumer;

/**
 * Streams generated text without the "Assistant:" the v0 template makes the model write first
 * (and without the whitespace around it), as {@link Prompt#cleanAnswer} does for the whole text.
 * Holds text back only while it could still be that prefix.
 */
final class AssistantPrefixFilter implements Consumer<String> {
    private static final String PREFIX = "Assistant:";
    private final Consumer<String> out;
    private final StringBuilder head = new StringBuilder();
    private boolean passing;

    AssistantPrefixFilter(Consumer<String> out) { this.out = out; }

    @Override public void accept(String chunk) {
        if (passing) { out.accept(chunk); return; }
        head.append(chunk);
        String s = head.toString().stripLeading();
        if (s.isEmpty() || (s.length() < PREFIX.length() && PREFIX.startsWith(s))) return;   // undecided yet
        String rest = s.startsWith(PREFIX) ? s.substring(PREFIX.length()).stripLeading() : s;
        if (rest.isEmpty()) return;                                                            // only the prefix so far
        passing = true;
        out.accept(rest);
    }
}
