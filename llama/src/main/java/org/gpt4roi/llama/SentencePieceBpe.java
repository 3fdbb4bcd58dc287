package org.gpt4roi.llama;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;
import java.util.function.IntConsumer;

/**
 * SentencePiece BPE encoding of one text chunk, as {@code bpe_model.cc} does it:
 * <ol>
 *   <li>normalise: spaces become {@code ▁} and a dummy-prefix {@code ▁} goes in front (nothing else:
 *       LLaMA's normaliser is the identity and keeps repeated whitespace);</li>
 *   <li>start from one symbol per Unicode code point;</li>
 *   <li>repeatedly merge the adjacent pair whose concatenation is a NORMAL piece with the highest
 *       score, the leftmost pair on ties, until no pair forms a piece;</li>
 *   <li>emit each symbol's piece id; a symbol that is not a piece (a character outside the
 *       vocabulary) becomes the byte pieces {@code <0xXX>} of its UTF-8 bytes.</li>
 * </ol>
 */
final class SentencePieceBpe {
    private static final char SPACE_SYMBOL = '\u2581';   // ▁

    private SentencePieceBpe() {}

    /** A candidate merge of the symbols starting at {@code left} and {@code right}, of {@code length} chars in all. */
    private record Pair(int left, int right, int length, float score) {}

    /** Appends the ids of {@code text} to {@code out}; an empty text gives no ids. */
    static void encode(SentencePieceModel model, String text, IntConsumer out) {
        if (text.isEmpty()) return;
        String s = (model.addDummyPrefix ? String.valueOf(SPACE_SYMBOL) : "")
                + (model.escapeWhitespaces ? text.replace(' ', SPACE_SYMBOL) : text);

        // Symbols as a linked list over char offsets of s: symbol i covers s[i, i + length[i]).
        int n = s.length();
        int[] length = new int[n], next = new int[n], prev = new int[n];
        int last = -1;
        for (int i = 0; i < n; i += length[i]) {
            length[i] = Character.charCount(s.codePointAt(i));
            prev[i] = last;
            if (last >= 0) next[last] = i;
            last = i;
        }
        next[last] = n;

        PriorityQueue<Pair> agenda = new PriorityQueue<>((a, b) ->
                a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 0; next[i] < n; i = next[i]) offer(model, s, i, next[i], length, agenda);

        while (!agenda.isEmpty()) {
            Pair p = agenda.poll();
            // Stale: one side was merged away or grew since this pair was queued.
            if (length[p.left] == 0 || length[p.right] == 0 || length[p.left] + length[p.right] != p.length) continue;
            length[p.left] = p.length;
            length[p.right] = 0;
            next[p.left] = next[p.right];
            if (next[p.left] < n) prev[next[p.left]] = p.left;
            if (prev[p.left] >= 0) offer(model, s, prev[p.left], p.left, length, agenda);
            if (next[p.left] < n) offer(model, s, p.left, next[p.left], length, agenda);
        }

        for (int i = 0; i < n; i = next[i]) {
            String symbol = s.substring(i, i + length[i]);
            Integer id = model.normalIds.get(symbol);
            if (id != null) out.accept(id);
            else if (model.byteIds[0] >= 0) for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) out.accept(model.byteIds[b & 0xff]);
            else out.accept(model.unkId);
        }
    }

    private static void offer(SentencePieceModel model, String s, int left, int right, int[] length, PriorityQueue<Pair> agenda) {
        int total = length[left] + length[right];
        Integer id = model.normalIds.get(s.substring(left, left + total));
        if (id != null) agenda.add(new Pair(left, right, total, model.scores[id]));
    }
}
