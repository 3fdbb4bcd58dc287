package org.gpt4roi.llama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.gpt4roi.tensor.ModelFileException;

/**
 * The contents of a SentencePiece {@code tokenizer.model} that BPE encoding and decoding need:
 * pieces with their scores and types, the byte-fallback pieces and the normaliser switches. Read from
 * the protobuf {@code ModelProto} ({@code pieces = 1}, {@code trainer_spec = 2},
 * {@code normalizer_spec = 3}). Only what LLaMA's model uses is supported; anything else (another
 * model type, normalisation rules, user-defined pieces) is refused with a {@link ModelFileException}
 * rather than tokenised differently from SentencePiece.
 */
final class SentencePieceModel {
    /** {@code ModelProto.SentencePiece.Type}. */
    enum PieceType { NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE }

    private static final int MODEL_TYPE_BPE = 2;

    final String[] pieces;
    final float[] scores;
    final PieceType[] types;
    /** Pieces that BPE may form (type NORMAL), by text. */
    final Map<String, Integer> normalIds;
    /** Id of the piece {@code <0xXX>} for each byte value; -1 without byte fallback. */
    final int[] byteIds;
    final int unkId;
    final boolean addDummyPrefix;
    final boolean escapeWhitespaces;

    private SentencePieceModel(String[] pieces, float[] scores, PieceType[] types, int unkId, boolean byteFallback,
                               boolean addDummyPrefix, boolean escapeWhitespaces, String source) {
        this.pieces = pieces;
        this.scores = scores;
        this.types = types;
        this.unkId = unkId;
        this.addDummyPrefix = addDummyPrefix;
        this.escapeWhitespaces = escapeWhitespaces;
        this.normalIds = new HashMap<>(pieces.length * 2);
        this.byteIds = new int[256];
        java.util.Arrays.fill(byteIds, -1);
        for (int id = 0; id < pieces.length; id++) {
            switch (types[id]) {
                case NORMAL -> normalIds.putIfAbsent(pieces[id], id);
                case BYTE -> byteIds[byteValue(pieces[id], source)] = id;
                case USER_DEFINED, UNUSED -> throw new ModelFileException(source + ": piece " + id + " '" + pieces[id]
                        + "' has type " + types[id] + ", which this tokenizer does not support (LLaMA's model has none)");
                default -> { }
            }
        }
        if (byteFallback)
            for (int b = 0; b < 256; b++)
                if (byteIds[b] < 0) throw new ModelFileException(source + ": byte_fallback is on but piece <0x"
                        + String.format("%02X", b) + "> is missing");
    }

    int size() { return pieces.length; }

    /** Reads and checks {@code tokenizer.model}. */
    static SentencePieceModel load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFileException(file + ": cannot read the SentencePiece model: " + e.getMessage(), e);
        }
        String source = file.toString();
        var pieces = new java.util.ArrayList<String>();
        var scores = new java.util.ArrayList<Float>();
        var types = new java.util.ArrayList<PieceType>();
        int modelType = 1, unkId = 0;                                  // proto defaults: UNIGRAM, unk_id 0
        boolean byteFallback = false, whitespaceSuffix = false;
        boolean addDummyPrefix = true, removeExtraWhitespaces = true, escapeWhitespaces = true;
        String charsMap = "";

        ProtobufReader model = new ProtobufReader(bytes, 0, bytes.length, source);
        while (model.next()) {
            switch (model.field()) {
                case 1 -> {                                            // repeated SentencePiece pieces
                    ProtobufReader p = model.message("piece " + pieces.size());
                    String piece = null;
                    float score = 0;
                    PieceType type = PieceType.NORMAL;
                    while (p.next()) {
                        switch (p.field()) {
                            case 1 -> piece = p.string();
                            case 2 -> score = p.float32();
                            case 3 -> type = pieceType(p.varint(), source, pieces.size());
                            default -> p.skip();
                        }
                    }
                    if (piece == null) throw new ModelFileException(source + ": piece " + pieces.size() + " has no text");
                    pieces.add(piece);
                    scores.add(score);
                    types.add(type);
                }
                case 2 -> {                                            // TrainerSpec
                    ProtobufReader t = model.message("trainer_spec");
                    while (t.next()) {
                        switch (t.field()) {
                            case 3 -> modelType = (int) t.varint();
                            case 24 -> whitespaceSuffix = t.varint() != 0;
                            case 35 -> byteFallback = t.varint() != 0;
                            case 40 -> unkId = (int) t.varint();
                            default -> t.skip();
                        }
                    }
                }
                case 3 -> {                                            // NormalizerSpec
                    ProtobufReader n = model.message("normalizer_spec");
                    while (n.next()) {
                        switch (n.field()) {
                            case 2 -> charsMap = n.string();
                            case 3 -> addDummyPrefix = n.varint() != 0;
                            case 4 -> removeExtraWhitespaces = n.varint() != 0;
                            case 5 -> escapeWhitespaces = n.varint() != 0;
                            default -> n.skip();
                        }
                    }
                }
                default -> model.skip();
            }
        }
        if (pieces.isEmpty()) throw new ModelFileException(source + ": the SentencePiece model has no pieces");
        if (modelType != MODEL_TYPE_BPE)
            throw new ModelFileException(source + ": model_type " + modelType + " is not BPE (2); only BPE models are supported");
        if (!charsMap.isEmpty() || removeExtraWhitespaces || whitespaceSuffix)
            throw new ModelFileException(source + ": the normalizer uses rules this tokenizer does not implement"
                    + " (precompiled_charsmap, remove_extra_whitespaces or treat_whitespace_as_suffix); LLaMA's model uses none");
        if (unkId < 0 || unkId >= pieces.size() || types.get(unkId) != PieceType.UNKNOWN)
            throw new ModelFileException(source + ": unk_id " + unkId + " is not a piece of type UNKNOWN");

        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) scoreArray[i] = scores.get(i);
        return new SentencePieceModel(pieces.toArray(String[]::new), scoreArray, types.toArray(PieceType[]::new),
                unkId, byteFallback, addDummyPrefix, escapeWhitespaces, source);
    }

    private static PieceType pieceType(long value, String source, int id) {
        if (value < 1 || value > PieceType.values().length)
            throw new ModelFileException(source + ": piece " + id + " has unknown type " + value);
        return PieceType.values()[(int) value - 1];
    }

    /** The byte of a piece {@code <0xXX>}. */
    private static int byteValue(String piece, String source) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || !piece.endsWith(">"))
            throw new ModelFileException(source + ": byte piece '" + piece + "' is not of the form <0xXX>");
        return Integer.parseInt(piece, 3, 5, 16);
    }
}
