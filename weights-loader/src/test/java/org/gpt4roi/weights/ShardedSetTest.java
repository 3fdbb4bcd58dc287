package org.gpt4roi.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A set of two shards and an index, written with the streaming writer and opened every supported way. */
class ShardedSetTest {
    @TempDir Path dir;

    @Test
    void opensThroughDirectoryAndIndex() throws Exception {
        Tensor a = SafeTensorsWriterTest.randomTensor(DType.F16, 1, 4, 2);
        Tensor b = SafeTensorsWriterTest.randomTensor(DType.BF16, 2, 3);
        Tensor c = SafeTensorsWriterTest.randomTensor(DType.F32, 3, 5);
        SafeTensorsWriter.writeAll(dir.resolve("model-00001-of-00002.safetensors"), Map.of("a", a), Map.of("format", "pt"));
        try (var w = SafeTensorsWriter.create(dir.resolve("model-00002-of-00002.safetensors"), List.of(
                new SafeTensorsWriter.Entry("c", DType.F32, new int[] {5}),
                new SafeTensorsWriter.Entry("b", DType.BF16, new int[] {3}),
                new SafeTensorsWriter.Entry("unlisted", DType.F32, new int[] {1})), Map.of())) {
            w.write("c", c);
            w.write("b", b);
            w.write("unlisted", Tensor.zeros(DType.F32, 1));
        }
        Path index = dir.resolve(SafeTensorsIndex.FILE_NAME);
        Files.writeString(index, """
                {"metadata": {"total_size": 32},
                 "weight_map": {"b": "model-00002-of-00002.safetensors",
                                "a": "model-00001-of-00002.safetensors",
                                "c": "model-00002-of-00002.safetensors"}}""");

        for (Path open : List.of(dir, index)) {
            try (SafeTensors st = SafeTensors.open(open)) {
                assertEquals(index, st.file());
                assertEquals(List.of("b", "a", "c"), List.copyOf(st.names()), "index order; unlisted tensors hidden");
                assertEquals(Map.of("total_size", "32"), st.metadata());
                assertEquals(dir.resolve("model-00001-of-00002.safetensors"), st.fileOf("a"));
                assertEquals(dir.resolve("model-00002-of-00002.safetensors"), st.fileOf("c"));
                assertArrayEquals(a.toFloatArray(), st.get("a", 4, 2).toFloatArray());
                assertArrayEquals(b.toFloatArray(), st.get("b", 3).toFloatArray());
                assertArrayEquals(c.toFloatArray(), st.get("c", 5).toFloatArray());
            }
        }
    }

    @Test
    void closedSetCannotBeRead() throws Exception {
        SafeTensorsWriter.writeAll(dir.resolve("model.safetensors"), Map.of("x", Tensor.ofFloats(new float[] {1}, 1)), Map.of());
        SafeTensors st = SafeTensors.open(dir);
        Tensor x = st.get("x");
        st.close();
        assertThrows(IllegalStateException.class, x::toFloatArray, "the mapping is gone after close()");
    }
}
