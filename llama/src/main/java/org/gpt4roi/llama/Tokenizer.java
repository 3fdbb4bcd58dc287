package org.gpt4roi.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.ModelFileException;

/**
 * The LLaMA tokenizer as GPT4RoI's slow Hugging Face {@code LlamaTokenizer} runs it: a SentencePiece
 * BPE model ({@code tokenizer.model}) plus the added tokens of {@code added_tokens.json}.
 *
 * <pre>
 * text ─▶ split on special strings (added tokens, &lt;s&gt; &lt;/s&gt; &lt;unk&gt;), leftmost-longest
 *      ─▶ strip whitespace next to each added token (Python's str.isspace set)
 *      ─▶ each text chunk: SentencePiece BPE with its own dummy prefix ▁ ; each special: its id
 *      ─▶ [BOS, ids...]
 * </pre>
 * Decoding drops control, unknown and added ids and joins the rest as SentencePiece does (see
 * {@link StreamDecoder}).
 */
public final class Tokenizer {
    private final SentencePieceModel sp;
    /** Added tokens by id - sp.size(). */
    private final String[] added;
    /** Strings that split the text, with their ids and whether they strip neighbouring whitespace. */
    private final List<Special> specials = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final int bosId;

    private record Special(String text, int id, boolean stripsWhitespace) {}

    private Tokenizer(SentencePieceModel sp, String[] added) {
        this.sp = sp;
        this.added = added;
        for (int id = sp.size() - 1; id >= 0; id--) ids.put(sp.pieces[id], id);   // first id wins on duplicates
        for (int id = 0; id < sp.size(); id++)
            if (sp.types[id] == SentencePieceModel.PieceType.CONTROL || sp.types[id] == SentencePieceModel.PieceType.UNKNOWN)
                specials.add(new Special(sp.pieces[id], id, false));
        for (int i = 0; i < added.length; i++) {
            specials.add(new Special(added[i], sp.size() + i, true));
            ids.put(added[i], sp.size() + i);
        }
        Integer bos = ids.get("<s>");
        if (bos == null) throw new ModelFileException("tokenizer.model has no <s> piece (BOS)");
        this.bosId = bos;
    }

    /**
     * Reads {@code tokenizer.model} and {@code added_tokens.json} (a {"token": id} object whose ids
     * continue the SentencePiece ids without gaps); {@code addedTokensJson} may be null for none.
     */
    public static Tokenizer load(Path tokenizerModel, Path addedTokensJson) {
        SentencePieceModel sp = SentencePieceModel.load(tokenizerModel);
        if (addedTokensJson == null) return new Tokenizer(sp, new String[0]);
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(addedTokensJson.toFile());
        } catch (IOException e) {
            throw new ModelFileException(addedTokensJson + ": cannot read added tokens: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject())
            throw new ModelFileException(addedTokensJson + ": expected a JSON object {\"token\": id, ...}");
        String[] added = new String[json.size()];
        for (var it = json.fields(); it.hasNext(); ) {
            var e = it.next();
            int slot = e.getValue().asInt(-1) - sp.size();
            if (!e.getValue().canConvertToInt() || slot < 0 || slot >= added.length || added[slot] != null)
                throw new ModelFileException(addedTokensJson + ": token '" + e.getKey() + "' has id " + e.getValue()
                        + "; added ids must be distinct and run from " + sp.size() + " to " + (sp.size() + added.length - 1));
            added[slot] = e.getKey();
        }
        return new Tokenizer(sp, added);
    }

    /** Token ids of {@code text}: BOS first, then the chunks between special strings (no EOS). */
    public int[] encode(String text) {
        IntList out = new IntList();
        out.add(bosId);
        List<Object> chunks = split(text);                 // String (text) or Special
        for (Object chunk : chunks) {
            if (chunk instanceof Special s) out.add(s.id);
            else SentencePieceBpe.encode(sp, (String) chunk, out::add);
        }
        return out.toArray();
    }

    /** The text of {@code ids}: control, unknown and added ids dropped, byte pieces joined into UTF-8. */
    public String decode(int[] ids) {
        StreamDecoder decoder = streamDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) text.append(decoder.push(id));
        return text.append(decoder.flush()).toString();
    }

    /** A decoder for text that arrives one id at a time. */
    public StreamDecoder streamDecoder() { return new StreamDecoder(this); }

    /** The id of a piece or added token, e.g. {@code idOf("<im_patch>")}; a {@link ModelFileException} when absent. */
    public int idOf(String token) {
        Integer id = ids.get(token);
        if (id == null) throw new ModelFileException("token '" + token + "' is in neither tokenizer.model nor added_tokens.json");
        return id;
    }

    /** SentencePiece pieces plus added tokens. */
    public int vocabSize() { return sp.size() + added.length; }

    /** The piece text of an id ({@code ▁} for spaces, {@code <0x0A>} for bytes) or the added token. */
    public String piece(int id) {
        if (id < 0 || id >= vocabSize()) throw new IllegalArgumentException("token id " + id + " outside [0, " + vocabSize() + ")");
        return id < sp.size() ? sp.pieces[id] : added[id - sp.size()];
    }

    public int bosId() { return bosId; }

    /** True for ids that carry text (normal and byte pieces). */
    boolean isText(int id) {
        if (id < 0 || id >= sp.size()) return false;
        SentencePieceModel.PieceType t = sp.types[id];
        return t == SentencePieceModel.PieceType.NORMAL || t == SentencePieceModel.PieceType.BYTE;
    }

    /** The byte of a byte piece, else -1. */
    int byteValue(int id) {
        if (id < 0 || id >= sp.size() || sp.types[id] != SentencePieceModel.PieceType.BYTE) return -1;
        return Integer.parseInt(sp.pieces[id], 3, 5, 16);
    }

    /**
     * Splits {@code text} at special strings, scanning left to right (longest match first), and strips
     * whitespace from the text on both sides of each added token; empty text chunks are dropped.
     */
    private List<Object> split(String text) {
        List<Object> chunks = new ArrayList<>();
        int textStart = 0;
        for (int i = 0; i < text.length(); ) {
            Special match = null;
            for (Special s : specials)
                if (text.startsWith(s.text, i) && (match == null || s.text.length() > match.text.length())) match = s;
            if (match == null) { i++; continue; }
            chunks.add(text.substring(textStart, i));
            chunks.add(match);
            i += match.text.length();
            textStart = i;
        }
        chunks.add(text.substring(textStart));

        for (int i = 0; i < chunks.size(); i++) {
            if (!(chunks.get(i) instanceof Special s) || !s.stripsWhitespace) continue;
            if (i > 0 && chunks.get(i - 1) instanceof String left) chunks.set(i - 1, stripEnd(left));
            if (i + 1 < chunks.size() && chunks.get(i + 1) instanceof String right) chunks.set(i + 1, stripStart(right));
        }
        chunks.removeIf(c -> c instanceof String str && str.isEmpty());
        return chunks;
    }

    private static String stripStart(String s) {
        int i = 0;
        while (i < s.length() && isPythonSpace(s.charAt(i))) i++;
        return s.substring(i);
    }

    private static String stripEnd(String s) {
        int i = s.length();
        while (i > 0 && isPythonSpace(s.charAt(i - 1))) i--;
        return s.substring(0, i);
    }

    /** Python's {@code str.isspace()} (all such characters are in the BMP). */
    static boolean isPythonSpace(char c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] a = new int[64];
        private int n;

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, 2 * n);
            a[n++] = v;
        }

        int[] toArray() { return Arrays.copyOf(a, n); }
    }
}
