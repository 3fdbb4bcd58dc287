package org.gpt4roi.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;

/** The tiny delta release made by {@code src/test/resources/convert/make_delta_pair.py} and its expected merge. */
final class ConvertFixture {
    static final Path DIR = resource("convert");
    static final Path BASE = DIR.resolve("base"), DELTA = DIR.resolve("delta"), CLIP = DIR.resolve("clip");
    static final JsonNode EXPECTED = json(DIR.resolve("expected.json"));

    private ConvertFixture() {}

    static Path resource(String name) {
        try {
            return Path.of(ConvertFixture.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " is missing", e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every tensor PyTorch's merge produced is in {@code st} with the same dtype, shape and bytes, and nothing else is. */
    static void assertSameTensors(JsonNode expected, SafeTensors st) {
        Set<String> want = new TreeSet<>();
        expected.fieldNames().forEachRemaining(want::add);
        assertEquals(want, new TreeSet<>(st.names()));
        for (String name : want) {
            JsonNode e = expected.get(name);
            Tensor t = st.get(name);
            assertEquals(e.get("dtype").asText(), t.dtype().name(), name);
            int[] shape = new int[e.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = e.get("shape").get(i).asInt();
            assertArrayEquals(shape, t.shape(), name);
            assertEquals(e.get("sha256").asText(), sha256(t), name + ": bytes differ from PyTorch's merge");
        }
    }

    static String sha256(Tensor t) {
        try {
            byte[] bytes = t.numel() == 0 ? new byte[0] : t.segment().asSlice(0, t.numel() * t.dtype().size).toArray(ValueLayout.JAVA_BYTE);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
