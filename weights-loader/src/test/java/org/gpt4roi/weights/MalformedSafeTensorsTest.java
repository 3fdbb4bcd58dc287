package org.gpt4roi.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.gpt4roi.tensor.ModelFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus of broken safetensors files, generated here. Each must fail with a {@link ModelFileException}
 * whose message names the file, the tensor (where one is at fault) and the exact problem.
 */
class MalformedSafeTensorsTest {
    @TempDir Path dir;

    /** A broken file: its bytes, the tensor at fault (or null) and the expected message fragment. */
    record Case(String label, byte[] bytes, String tensor, String fragment) {
        @Override public String toString() { return label; }
    }

    /** {@code [u64 length][header][dataBytes zero bytes]}; single quotes in the header become double quotes. */
    static byte[] file(String header, int dataBytes) {
        byte[] h = header.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
        return withLength(h.length, h, dataBytes);
    }

    static byte[] withLength(long declaredLength, byte[] header, int dataBytes) {
        return ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(declaredLength).put(header).array();
    }

    static final String W8 = "{'w':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}";

    static Stream<Case> corpus() {
        return Stream.of(
                new Case("shorter than the length field", new byte[5], null,
                        "file is 5 bytes, too short to hold the 8-byte header length"),
                new Case("header length over 100 MB", withLength(200L << 20, new byte[16], 0), null,
                        "header length 209715200 is absurd (limit 104857600 bytes)"),
                new Case("header length with the top bit set", withLength(-1L, new byte[16], 0), null,
                        "header length 18446744073709551615 is absurd"),
                new Case("header length beyond the file", withLength(1000, W8.getBytes(StandardCharsets.UTF_8), 8), null,
                        "header length 1000 runs past the end of the file (" + (8 + W8.length() + 8) + " bytes)"),
                new Case("header not JSON", file("{'w': {'dtype': ", 0), null, "header is not valid JSON"),
                new Case("header not UTF-8", withLength(4, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, 0), null,
                        "header is not valid UTF-8"),
                new Case("header a JSON array", file("[1, 2]", 0), null, "header is not a JSON object"),
                new Case("two JSON objects", file("{} {}", 0), null, "header has content after its closing '}'"),
                new Case("unknown dtype", file("{'w':{'dtype':'F8_E4M3','shape':[2],'data_offsets':[0,2]}}", 2), "w",
                        "unknown dtype 'F8_E4M3' (supported: [F32, F16, BF16, F64, I64, I32])"),
                new Case("missing dtype", file("{'w':{'shape':[2],'data_offsets':[0,8]}}", 8), "w", "no dtype string"),
                new Case("missing shape", file("{'w':{'dtype':'F32','data_offsets':[0,8]}}", 8), "w", "no shape array"),
                new Case("negative shape entry", file("{'w':{'dtype':'F32','shape':[-2,2],'data_offsets':[0,16]}}", 16), "w",
                        "shape [-2,2] has entry -2, not a non-negative integer below 2^31"),
                new Case("fractional shape entry", file("{'w':{'dtype':'F32','shape':[2.5,2],'data_offsets':[0,16]}}", 16), "w",
                        "shape [2.5,2] has entry 2.5, not a non-negative integer"),
                new Case("string shape entry", file("{'w':{'dtype':'F32','shape':['2'],'data_offsets':[0,8]}}", 8), "w",
                        "shape [\"2\"] has entry \"2\", not a non-negative integer"),
                new Case("shape entry over int range", file("{'w':{'dtype':'I32','shape':[4294967296],'data_offsets':[0,8]}}", 8), "w",
                        "has entry 4294967296, not a non-negative integer below 2^31"),
                new Case("shape product overflows",
                        file("{'w':{'dtype':'F64','shape':[2147483647,2147483647,2147483647],'data_offsets':[0,8]}}", 8), "w",
                        "shape [2147483647, 2147483647, 2147483647] is too large"),
                new Case("three data offsets", file("{'w':{'dtype':'F32','shape':[2],'data_offsets':[0,8,16]}}", 16), "w",
                        "data_offsets [0,8,16] are not two non-negative integers [begin, end]"),
                new Case("negative data offset", file("{'w':{'dtype':'F32','shape':[2],'data_offsets':[-8,0]}}", 8), "w",
                        "data_offsets [-8,0] are not two non-negative integers"),
                new Case("data offsets begin after end", file("{'w':{'dtype':'F32','shape':[2],'data_offsets':[8,0]}}", 8), "w",
                        "data_offsets [8, 0] begin after they end"),
                new Case("data offsets outside the data area", file("{'w':{'dtype':'F32','shape':[16],'data_offsets':[0,64]}}", 16), "w",
                        "data_offsets [0, 64] lie outside the data area of 16 bytes (file truncated?)"),
                new Case("byte size not dtype size × numel", file("{'w':{'dtype':'F32','shape':[2,3],'data_offsets':[0,16]}}", 16), "w",
                        "data_offsets [0, 16] hold 16 bytes but F32 × shape [2, 3] needs 24 bytes"),
                new Case("overlapping tensors", file("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},"
                        + "'b':{'dtype':'F32','shape':[2],'data_offsets':[4,12]}}", 12), "b",
                        "data_offsets [4, 12] overlap tensor 'a' [0, 8]"),
                new Case("gap between tensors", file("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},"
                        + "'b':{'dtype':'F32','shape':[2],'data_offsets':[12,20]}}", 20), "b",
                        "data_offsets [12, 20] leave a gap of 4 bytes after tensor 'a' (ends at 8)"),
                new Case("gap at the start", file("{'w':{'dtype':'F32','shape':[2],'data_offsets':[4,12]}}", 12), "w",
                        "leave a gap of 4 bytes after the start of the data area"),
                new Case("bytes after the last tensor", file(W8, 12), null,
                        "data area has 4 bytes after the last tensor (tensors end at 8 of 12)"),
                new Case("entry not an object", file("{'w':[0,8]}", 8), "w",
                        "header entry is ARRAY, not an object with dtype, shape and data_offsets"),
                new Case("tensor named twice", file("{'w':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},"
                        + "'w':{'dtype':'F32','shape':[2],'data_offsets':[8,16]}}", 16), null, "header names 'w' twice"),
                new Case("key repeated inside an entry",
                        file("{'w':{'dtype':'F32','dtype':'F16','shape':[2],'data_offsets':[0,8]}}", 8), null,
                        "header is not valid JSON: Duplicate field 'dtype'"),
                new Case("metadata value not a string", file("{'__metadata__':{'format':'pt','step':3}}", 0), null,
                        "__metadata__ value for key 'step' is 3, not a string"),
                new Case("metadata not an object", file("{'__metadata__':['pt']}", 0), null,
                        "__metadata__ is ARRAY, not an object of strings"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void rejectsWithExactMessage(Case c) throws IOException {
        Path f = dir.resolve("broken.safetensors");
        Files.write(f, c.bytes());
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.open(f).close(), c.label());
        String m = e.getMessage();
        assertTrue(m.startsWith(f + ": "), "names the file: " + m);
        if (c.tensor() != null) assertTrue(m.contains("tensor '" + c.tensor() + "': "), "names the tensor: " + m);
        assertTrue(m.contains(c.fragment()), "expected '" + c.fragment() + "' in: " + m);
    }

    @Test
    void corpusHasAtLeastTwelveCases() {
        assertTrue(corpus().count() >= 12);
    }

    @Test
    void headerOnlyFileWithNoTensorsIsValid() throws IOException {
        // What torch's save_file({}) writes: the data area is empty, header length = file size - 8.
        Path f = dir.resolve("empty.safetensors");
        Files.write(f, file("{}      ", 0));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertTrue(st.names().isEmpty());
        }
    }

    @Test
    void missingFileAndEmptyDirectory() throws IOException {
        Path missing = dir.resolve("nope.safetensors");
        var e1 = assertThrows(ModelFileException.class, () -> SafeTensors.open(missing));
        assertTrue(e1.getMessage().equals(missing + ": file does not exist"), e1.getMessage());
        Path empty = Files.createDirectory(dir.resolve("model"));
        var e2 = assertThrows(ModelFileException.class, () -> SafeTensors.open(empty));
        assertTrue(e2.getMessage().startsWith(empty + ": directory holds neither model.safetensors nor "
                + "model.safetensors.index.json"), e2.getMessage());
    }

    @Test
    void absentTensorAndWrongShapeNameFileAndTensor() throws IOException {
        Path f = dir.resolve("model.safetensors");
        Files.write(f, file("{'model.norm.weight':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}", 8));
        try (SafeTensors st = SafeTensors.open(dir)) {
            var e1 = assertThrows(ModelFileException.class, () -> st.get("model.norm.bias"));
            assertTrue(e1.getMessage().startsWith(f + ": tensor 'model.norm.bias' is missing (1 tensors present, "
                    + "closest: 'model.norm.weight')"), e1.getMessage());
            var e2 = assertThrows(ModelFileException.class, () -> st.get("model.norm.weight", 64));
            assertTrue(e2.getMessage().startsWith(f + ": tensor 'model.norm.weight' has shape [2], the model expects [64]"),
                    e2.getMessage());
        }
    }

    /** Sharded-set errors: each names the index, the tensor and the shard. */
    @Test
    void brokenIndexes() throws IOException {
        Files.write(dir.resolve("s1.safetensors"), file("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}", 8));
        Path index = dir.resolve(SafeTensorsIndex.FILE_NAME);
        List<String[]> cases = List.of(
                new String[] {"{'weight_map':{'a':'s1.safetensors','b':'s2.safetensors'}}",
                        "shard 's2.safetensors' (holding 1 tensors, e.g. 'b') does not exist at " + dir.resolve("s2.safetensors")},
                new String[] {"{'weight_map':{'a':'s1.safetensors','c':'s1.safetensors'}}",
                        "tensor 'c' is listed in shard 's1.safetensors', which does not contain it"},
                new String[] {"{'weight_map':{'a':'../s1.safetensors'}}",
                        "weight_map entry for tensor 'a' is \"../s1.safetensors\", not the file name of a shard"},
                new String[] {"{'weight_map':{'a':7}}", "weight_map entry for tensor 'a' is 7"},
                new String[] {"{'metadata':{}}", "safetensors index has no \"weight_map\" object"},
                new String[] {"{'weight_map':{'a':'s1.safetensors','a':'s1.safetensors'}}", "Duplicate field 'a'"},
                new String[] {"{'weight_map':", "safetensors index is not valid JSON"},
                new String[] {"{'weight_map':{}} {}", "safetensors index is not valid JSON"});
        for (String[] c : cases) {
            Files.writeString(index, c[0].replace('\'', '"'));
            var e = assertThrows(ModelFileException.class, () -> SafeTensors.open(dir).close(), c[0]);
            assertTrue(e.getMessage().startsWith(index + ": "), "names the index: " + e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), "expected '" + c[1] + "' in: " + e.getMessage());
        }
    }
}
