package org.gpt4roi.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.gpt4roi.tensor.ModelFileException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Every case of testdata/tokenizer-cases.json (made by the reference's slow LLaMA tokenizer), exact. */
class TokenizerTest {
    static final Path TESTDATA = Path.of(System.getProperty("gpt4roi.testdata"));
    static final Path MODEL = TESTDATA.resolve("tiny/model");
    static Tokenizer tokenizer;
    static JsonNode cases;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.load(MODEL.resolve("tokenizer.model"), MODEL.resolve("added_tokens.json"));
        cases = new ObjectMapper().readTree(TESTDATA.resolve("tokenizer-cases.json").toFile());
    }

    static int[] ints(JsonNode array) {
        int[] a = new int[array.size()];
        for (int i = 0; i < a.length; i++) a[i] = array.get(i).asInt();
        return a;
    }

    static List<String> strings(JsonNode array) {
        List<String> a = new ArrayList<>();
        array.forEach(n -> a.add(n.asText()));
        return a;
    }

    @TestFactory
    Stream<DynamicTest> encodeCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases.get("encode")) {
            tests.add(DynamicTest.dynamicTest(c.get("label").asText(), () -> {
                int[] ids = tokenizer.encode(c.get("text").asText());
                assertArrayEquals(ints(c.get("ids")), ids, "ids of " + c.get("text") + ": got " + Arrays.toString(ids));
                List<String> pieces = Arrays.stream(ids).mapToObj(tokenizer::piece).toList();
                assertEquals(strings(c.get("pieces")), pieces);
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> promptCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases.get("prompts")) {
            tests.add(DynamicTest.dynamicTest(c.get("question").asText(), () -> {
                int[] ids = tokenizer.encode(c.get("prompt_text").asText());
                assertEquals(c.get("num_ids").asInt(), ids.length, "prompt length");
                assertArrayEquals(ints(c.get("ids")), ids);
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> decodeCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases.get("decode")) {
            int[] ids = ints(c.get("ids"));
            tests.add(DynamicTest.dynamicTest(Arrays.toString(ids), () -> {
                assertEquals(strings(c.get("pieces")), Arrays.stream(ids).mapToObj(tokenizer::piece).toList());
                assertEquals(c.get("text").asText(), tokenizer.decode(ids));
                // Streaming gives the same text, and never a partial character (no lone surrogate,
                // no U+FFFD that the one-shot decode does not have).
                StreamDecoder stream = tokenizer.streamDecoder();
                StringBuilder streamed = new StringBuilder();
                for (int id : ids) {
                    String part = stream.push(id);
                    assertTrue(part.isEmpty() || !Character.isHighSurrogate(part.charAt(part.length() - 1)), "half a character: " + part);
                    streamed.append(part);
                }
                streamed.append(stream.flush());
                assertEquals(c.get("text").asText(), streamed.toString());
            }));
        }
        return tests.stream();
    }

    @Test
    void streamingHoldsBackASplitCharacter() {
        int[] smile = tokenizer.encode("😀");               // [1, 29871, 243, 162, 155, 131]
        StreamDecoder stream = tokenizer.streamDecoder();
        List<String> parts = new ArrayList<>();
        for (int id : smile) parts.add(stream.push(id));
        assertEquals(List.of("", "", "", "", "", "😀"), parts);
        assertEquals("", stream.flush());

        StreamDecoder cut = tokenizer.streamDecoder();
        assertEquals("", cut.push(tokenizer.idOf("<0xF0>")));
        assertEquals("", cut.push(tokenizer.idOf("<0x9F>")));
        assertEquals("\uFFFD\uFFFD", cut.flush(), "an unfinished character ends as one U+FFFD per byte");
    }

    @Test
    void idsOfAddedTokensAndVocabulary() {
        assertEquals(32006, tokenizer.vocabSize());
        assertEquals(32001, tokenizer.idOf("<im_patch>"));
        assertEquals(32002, tokenizer.idOf("<bbox>"));
        assertEquals(2, tokenizer.idOf("</s>"));
        assertEquals("<bbox>", tokenizer.piece(32002));
        var e = assertThrows(ModelFileException.class, () -> tokenizer.idOf("<nope>"));
        assertTrue(e.getMessage().contains("<nope>"), e.getMessage());
    }

    @Test
    void malformedFilesAreReported(@TempDir Path dir) throws IOException {
        Path truncated = dir.resolve("tokenizer.model");
        byte[] all = Files.readAllBytes(MODEL.resolve("tokenizer.model"));
        Files.write(truncated, Arrays.copyOf(all, 1000));
        var e = assertThrows(ModelFileException.class, () -> Tokenizer.load(truncated, null));
        assertTrue(e.getMessage().contains("tokenizer.model"), e.getMessage());

        Path badAdded = dir.resolve("added_tokens.json");
        Files.writeString(badAdded, "{\"<bbox>\": 5}");
        e = assertThrows(ModelFileException.class, () -> Tokenizer.load(MODEL.resolve("tokenizer.model"), badAdded));
        assertTrue(e.getMessage().contains("<bbox>") && e.getMessage().contains("32000"), e.getMessage());
    }
}
