package org.gpt4roi.weights.pytorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The reader against tensors written by PyTorch 1.13 ({@code make_checkpoints.py}): bit for bit, views honoured. */
class PyTorchCheckpointTest {
    private static final JsonNode EXPECTED = Fixtures.json("expected.json");

    @ParameterizedTest
    @ValueSource(strings = {"mixed.pt", "protocol4.pt", "zip64.pt"})
    void everyTensorEqualsPyTorchBitForBit(String file) {
        try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(Fixtures.resource(file))) {
            Set<String> want = new TreeSet<>(List.of("half", "float", "bf16", "double", "position_ids", "transposed",
                    "shared_head", "shared_tail", "offset_view", "expanded", "scalar"));
            if (!file.equals("zip64.pt")) want.add("empty");   // zip64.pt is mixed.pt without it
            assertEquals(want, new TreeSet<>(ckpt.names()));
            for (String name : ckpt.names()) assertMatches(name, ckpt.get(name));
        }
    }

    @Test
    void viewsKeepTheirStridesOffsetsAndSharedStorage() {
        try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(Fixtures.resource("mixed.pt"))) {
            Tensor t = ckpt.get("transposed", 6, 4);
            assertFalse(t.isContiguous());
            assertArrayEquals(new long[] {1, 6}, t.strides());
            Tensor view = ckpt.get("offset_view");
            assertEquals(7, view.offset());
            assertArrayEquals(new long[] {5, 1}, view.strides());
            assertArrayEquals(new long[] {0, 1}, ckpt.get("expanded").strides());
            Tensor head = ckpt.get("shared_head"), tail = ckpt.get("shared_tail");
            assertEquals(storageAddress(head), storageAddress(tail), "shared_head and shared_tail must map the same storage entry");
            assertEquals(6, tail.offset());
            assertEquals(0, ckpt.get("scalar").rank());
            ModelFileException e = assertThrows(ModelFileException.class, () -> ckpt.get("half", 4, 3));
            assertTrue(e.getMessage().contains("mixed.pt") && e.getMessage().contains("[3, 4]"), e.getMessage());
            assertThrows(ModelFileException.class, () -> ckpt.get("absent"));
        }
    }

    @Test
    void shardedSetOpensFromDirectoryIndexOrShard() {
        Path dir = Fixtures.resource("sharded");
        List<String> all = List.of("model.layers.0.w", "model.layers.0.b", "lm_head.weight");
        for (Path p : List.of(dir, dir.resolve(PyTorchCheckpoint.INDEX))) {
            try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(p)) {
                assertEquals(all, new ArrayList<>(ckpt.names()), "shard by shard, in file order");
                for (String name : all) assertMatches(name, ckpt.get(name));
                assertEquals("pytorch_model-00002-of-00002.bin", ckpt.fileOf("lm_head.weight").getFileName().toString());
                assertEquals(2, ckpt.files().size());
            }
        }
        try (PyTorchCheckpoint one = PyTorchCheckpoint.open(dir.resolve("pytorch_model-00002-of-00002.bin"))) {
            assertEquals(List.of("lm_head.weight"), new ArrayList<>(one.names()));
        }
    }

    private static void assertMatches(String name, Tensor t) {
        JsonNode want = EXPECTED.get(name);
        assertEquals(want.get("dtype").asText(), t.dtype().name(), name);
        int[] shape = new int[want.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = want.get("shape").get(i).asInt();
        assertArrayEquals(shape, t.shape(), name);
        assertEquals(want.get("hex").asText(), Fixtures.rowMajorHex(t), name + ": bytes differ from PyTorch's");
    }

    private static long storageAddress(Tensor t) { return ((HostStorage) t.storage()).segment().address(); }
}
