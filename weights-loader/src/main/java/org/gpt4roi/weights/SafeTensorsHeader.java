package org.gpt4roi.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;

/**
 * The validated header of one safetensors file.
 *
 * <pre>
 * [u64 little-endian n][n bytes UTF-8 JSON][data area]
 * JSON: {"__metadata__": {str: str}, name: {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]}, ...}
 * </pre>
 * Every check a reader needs before it may slice the data area is done here: afterwards each tensor's
 * bytes lie inside the data area, match dtype × shape, and the tensors tile the area without gaps or
 * overlaps. Errors name the file, the tensor and the problem.
 *
 * @param dataStart byte position of the data area in the file ({@code 8 + n})
 * @param metadata  the {@code __metadata__} strings (empty when absent)
 * @param tensors   the tensor entries in header order
 */
record SafeTensorsHeader(long dataStart, Map<String, String> metadata, List<SafeTensorsHeader.Entry> tensors) {
    /** Larger headers are refused as corrupt (the reference implementation's limit as well). */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** One tensor: its bytes are {@code [begin, end)} relative to the data area. */
    record Entry(String name, DType dtype, int[] shape, long begin, long end) {}

    /** Reads and validates the header of {@code file}, given the whole file mapped. */
    static SafeTensorsHeader read(Path file, MemorySegment mapped) {
        long size = mapped.byteSize();
        if (size < 8) throw bad(file, "file is " + size + " bytes, too short to hold the 8-byte header length");
        long n = mapped.get(U64, 0);
        if (n < 0 || n > MAX_HEADER_BYTES)
            throw bad(file, "header length " + Long.toUnsignedString(n) + " is absurd (limit " + MAX_HEADER_BYTES + " bytes)");
        if (n > size - 8)
            throw bad(file, "header length " + n + " runs past the end of the file (" + size + " bytes)");
        String text = utf8(file, mapped.asSlice(8, n).asByteBuffer());
        long dataSize = size - 8 - n;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> tensors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw bad(file, "header is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                JsonNode value = JSON.readTree(p);
                if (!seen.add(name)) throw bad(file, "header names '" + name + "' twice");
                if (name.equals("__metadata__")) metadata.putAll(metadata(file, value));
                else tensors.add(entry(file, name, value, dataSize));
            }
            if (p.nextToken() != null) throw bad(file, "header has content after its closing '}'");
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage().replaceFirst(" for `ObjectNode`.*", "");   // drop Jackson's feature advice
            String where = e.getLocation() == null ? "" : " (at character " + e.getLocation().getCharOffset() + ")";
            throw bad(file, "header is not valid JSON: " + why + where);
        } catch (IOException e) {
            throw bad(file, "header cannot be parsed: " + e.getMessage());
        }
        checkTiling(file, tensors, dataSize);
        return new SafeTensorsHeader(8 + n, Collections.unmodifiableMap(metadata), List.copyOf(tensors));
    }

    private static String utf8(Path file, ByteBuffer bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        }
    }

    private static Map<String, String> metadata(Path file, JsonNode value) {
        if (!value.isObject()) throw bad(file, "__metadata__ is " + value.getNodeType() + ", not an object of strings");
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (!e.getValue().isTextual())
                throw bad(file, "__metadata__ value for key '" + e.getKey() + "' is " + e.getValue() + ", not a string");
            m.put(e.getKey(), e.getValue().textValue());
        }
        return m;
    }

    private static Entry entry(Path file, String name, JsonNode v, long dataSize) {
        if (!v.isObject())
            throw bad(file, name, "header entry is " + v.getNodeType() + ", not an object with dtype, shape and data_offsets");
        JsonNode dtypeNode = v.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw bad(file, name, "no dtype string");
        DType dtype = DType.fromName(dtypeNode.textValue());
        if (dtype == null)
            throw bad(file, name, "unknown dtype '" + dtypeNode.textValue() + "' (supported: "
                    + Arrays.toString(DType.values()) + ")");

        JsonNode shapeNode = v.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) throw bad(file, name, "no shape array");
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0)
                throw bad(file, name, "shape " + shapeNode + " has entry " + d + ", not a non-negative integer below 2^31");
            shape[i] = d.intValue();
        }

        JsonNode offsets = v.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !isOffset(offsets.get(0)) || !isOffset(offsets.get(1)))
            throw bad(file, name, "data_offsets " + offsets + " are not two non-negative integers [begin, end]");
        long begin = offsets.get(0).longValue(), end = offsets.get(1).longValue();
        if (begin > end) throw bad(file, name, "data_offsets [" + begin + ", " + end + "] begin after they end");
        if (end > dataSize)
            throw bad(file, name, "data_offsets [" + begin + ", " + end + "] lie outside the data area of "
                    + dataSize + " bytes (file truncated?)");

        long expected;
        try {
            expected = Math.multiplyExact(Tensor.numel(shape), (long) dtype.size);
        } catch (ArithmeticException e) {
            throw bad(file, name, "shape " + Arrays.toString(shape) + " is too large");
        }
        if (expected != end - begin)
            throw bad(file, name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but "
                    + dtype + " × shape " + Arrays.toString(shape) + " needs " + expected + " bytes");
        return new Entry(name, dtype, shape, begin, end);
    }

    private static boolean isOffset(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0;
    }

    /** The tensors, sorted by offset, must cover the data area exactly: no gap, no overlap, no tail. */
    private static void checkTiling(Path file, List<Entry> tensors, long dataSize) {
        List<Entry> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.begin() > covered)
                throw bad(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end() + "] leave a gap of "
                        + (e.begin() - covered) + " bytes after " + (previous == null ? "the start of the data area"
                        : "tensor '" + previous.name() + "' (ends at " + covered + ")"));
            if (e.begin() < covered)
                throw bad(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end() + "] overlap tensor '"
                        + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]");
            covered = e.end();
            previous = e;
        }
        if (covered != dataSize)
            throw bad(file, "data area has " + (dataSize - covered) + " bytes after the last tensor (tensors end at "
                    + covered + " of " + dataSize + ")");
    }

    private static ModelFileException bad(Path file, String problem) {
        return new ModelFileException(file + ": " + problem + "; the file is damaged or not a safetensors file");
    }

    private static ModelFileException bad(Path file, String tensor, String problem) {
        return bad(file, "tensor '" + tensor + "': " + problem);
    }
}
