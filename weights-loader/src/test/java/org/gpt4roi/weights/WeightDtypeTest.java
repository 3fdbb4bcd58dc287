package org.gpt4roi.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model weight of the right shape but an integer dtype is refused by name, not used as garbage. */
class WeightDtypeTest {
    @Test
    void aWeightMustBeAFloatTensor(@TempDir Path dir) {
        Path file = dir.resolve("w.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("model.norm.weight", Tensor.zeros(DType.I32, 4));
        tensors.put("lm_head.weight", Tensor.zeros(DType.BF16, 3, 4));
        SafeTensorsWriter.writeAll(file, tensors, Map.of());
        try (SafeTensors st = SafeTensors.open(file)) {
            ModelFileException e = assertThrows(ModelFileException.class, () -> st.weight("model.norm.weight", 4));
            assertTrue(e.getMessage().contains("w.safetensors") && e.getMessage().contains("'model.norm.weight' is I32")
                    && e.getMessage().contains("F32, F16 or BF16"), e.getMessage());
            assertEquals(DType.BF16, st.weight("lm_head.weight", 3, 4).dtype());
            assertEquals(DType.I32, st.get("model.norm.weight").dtype());   // a plain read still works (buffers)
        }
    }
}
