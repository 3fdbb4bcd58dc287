package org.gpt4roi.weights;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsWriterTest {
    @TempDir Path dir;

    /** A host tensor of {@code dtype} filled with seeded random bytes (valid for every dtype's bit patterns). */
    static Tensor randomTensor(DType dtype, long seed, int... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        byte[] bytes = new byte[Math.toIntExact(t.numel() * dtype.size)];
        new Random(seed).nextBytes(bytes);
        MemorySegment.copy(bytes, 0, t.segment(), ValueLayout.JAVA_BYTE, 0, bytes.length);
        return t;
    }

    static byte[] bytesOf(Tensor t) {
        return t.segment().asSlice(0, t.numel() * t.dtype().size).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void roundTripsEveryDtype() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int seed = 0;
        for (DType d : DType.values()) {
            tensors.put("w." + d, randomTensor(d, seed++, 3, 5));
            tensors.put("scalar." + d, randomTensor(d, seed++));
            tensors.put("empty." + d, randomTensor(d, seed++, 0, 4));
        }
        Path f = dir.resolve("all.safetensors");
        SafeTensorsWriter.writeAll(f, tensors, Map.of("format", "pt"));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(tensors.keySet(), st.names());
            assertEquals(Map.of("format", "pt"), st.metadata());
            tensors.forEach((name, t) -> {
                Tensor r = st.get(name, t.shape());
                assertEquals(t.dtype(), r.dtype(), name);
                assertArrayEquals(bytesOf(t), bytesOf(r), name);
            });
        }
    }

    @Test
    void headerIsPaddedToEightBytes() throws Exception {
        Path f = dir.resolve("pad.safetensors");
        SafeTensorsWriter.writeAll(f, Map.of("x", Tensor.ofFloats(new float[] {1, 2, 3}, 3)), Map.of());
        byte[] b = Files.readAllBytes(f);
        long n = MemorySegment.ofArray(b).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        assertEquals(0, n % 8, "header length " + n);
        assertEquals(8 + n + 12, b.length);
        String header = new String(b, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(header.strip(), header.stripTrailing(), "padding only at the end");
        assertTrue(header.stripTrailing().endsWith("}"), header);
    }

    @Test
    void writesStridedViewsAndRawBytes() {
        Tensor base = randomTensor(DType.BF16, 7, 4, 6);        // [4,6]
        Tensor transposed = base.transpose(0, 1);               // [6,4], strides [1,6]
        Tensor sliced = base.slice(1, 1, 5);                     // [4,4], rows not adjacent
        Tensor raw = randomTensor(DType.I32, 8, 5);
        Path f = dir.resolve("views.safetensors");
        List<SafeTensorsWriter.Entry> plan = List.of(
                new SafeTensorsWriter.Entry("t", DType.BF16, new int[] {6, 4}),
                new SafeTensorsWriter.Entry("s", DType.BF16, new int[] {4, 4}),
                new SafeTensorsWriter.Entry("raw", DType.I32, new int[] {5}));
        try (SafeTensorsWriter w = SafeTensorsWriter.create(f, plan, Map.of())) {
            w.write("t", transposed);
            w.write("s", sliced);
            w.write("raw", raw.segment());
        }
        try (SafeTensors st = SafeTensors.open(f)) {
            assertArrayEquals(transposed.toFloatArray(), st.get("t").toFloatArray());
            assertArrayEquals(sliced.toFloatArray(), st.get("s").toFloatArray());
            assertArrayEquals(raw.toLongArray(), st.get("raw").toLongArray());
        }
    }

    @Test
    void stridedWriteLargerThanTheBufferStreams() {
        // 3 MB of F32 transposed: the bounded 1 MB staging buffer fills several times.
        Tensor base = randomTensor(DType.F32, 9, 512, 1536);
        Tensor view = base.transpose(0, 1);
        Path f = dir.resolve("big.safetensors");
        SafeTensorsWriter.writeAll(f, Map.of("v", view), Map.of());
        try (SafeTensors st = SafeTensors.open(f)) {
            assertArrayEquals(view.toFloatArray(), st.get("v", 1536, 512).toFloatArray());
        }
    }

    @Test
    void rejectsMisuse() {
        Path f = dir.resolve("bad.safetensors");
        List<SafeTensorsWriter.Entry> plan = List.of(
                new SafeTensorsWriter.Entry("a", DType.F32, new int[] {2}),
                new SafeTensorsWriter.Entry("b", DType.F16, new int[] {2}));
        SafeTensorsWriter w = SafeTensorsWriter.create(f, plan, Map.of());
        var e1 = assertThrows(IllegalArgumentException.class, () -> w.write("b", Tensor.zeros(DType.F16, 2)));
        assertTrue(e1.getMessage().contains("tensor 'b' written out of order; the plan expects 'a'"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> w.write("a", Tensor.zeros(DType.F32, 3)));
        assertTrue(e2.getMessage().contains("tensor 'a' is F32 [3] but the plan says F32 [2]"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> w.write("a", Arena.ofAuto().allocate(7)));
        assertTrue(e3.getMessage().contains("tensor 'a' got 7 bytes, the plan (F32 [2]) needs 8"), e3.getMessage());
        w.write("a", Tensor.zeros(DType.F32, 2));
        var e4 = assertThrows(IllegalStateException.class, w::close);
        assertTrue(e4.getMessage().contains("tensor 'b' was never written, incomplete file deleted"), e4.getMessage());
        assertFalse(Files.exists(f));
        var e5 = assertThrows(IllegalArgumentException.class, () -> new SafeTensorsWriter.Entry("x", DType.F32, new int[] {-1}));
        assertTrue(e5.getMessage().contains("negative dimension"), e5.getMessage());
    }

    @Test
    void writesMappedTensorsBackUnchanged() throws Exception {
        Path fixture = Path.of(System.getProperty("gpt4roi.testdata"), "tiny/model/clip/model.safetensors");
        Path copy = dir.resolve("copy.safetensors");
        try (SafeTensors st = SafeTensors.open(fixture)) {
            Map<String, Tensor> all = new LinkedHashMap<>();
            for (String n : st.names()) all.put(n, st.get(n));
            SafeTensorsWriter.writeAll(copy, all, st.metadata());
        }
        // Same tensors in the same order with the same header conventions: byte-identical data area.
        assertEquals(Files.size(fixture) - headerSize(fixture), Files.size(copy) - headerSize(copy));
    }

    private static long headerSize(Path f) throws Exception {
        try (var in = Files.newInputStream(f)) {
            byte[] b = in.readNBytes(8);
            return 8 + MemorySegment.ofArray(b).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        }
    }
}
