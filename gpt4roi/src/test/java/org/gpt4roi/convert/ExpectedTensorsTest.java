package org.gpt4roi.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.gpt4roi.weights.SafeTensors;
import org.junit.jupiter.api.Test;

/** The expected names and shapes, derived from the configs, are exactly those of the reference's tiny model. */
class ExpectedTensorsTest {
    private static final Path MODEL = Path.of(System.getProperty("gpt4roi.testdata"), "tiny", "model");

    @Test
    void modelSideMatchesTheTinyFixture() {
        Map<String, int[]> expected = ExpectedTensors.model(ConvertedConfigs.read(MODEL.resolve("config.json")), "config.json");
        try (SafeTensors st = SafeTensors.open(MODEL.resolve("model.safetensors"))) {
            assertSame(expected, st, n -> n.endsWith(".rotary_emb.inv_freq"));
        }
    }

    @Test
    void clipSideMatchesTheTinyFixture() {
        Map<String, int[]> expected = ExpectedTensors.clipVision(ConvertedConfigs.read(MODEL.resolve("clip/config.json")), "clip/config.json");
        try (SafeTensors st = SafeTensors.open(MODEL.resolve("clip/model.safetensors"))) {
            assertSame(expected, st, n -> n.endsWith("position_ids") || n.contains("post_layernorm"));
        }
    }

    private static void assertSame(Map<String, int[]> expected, SafeTensors st, java.util.function.Predicate<String> optional) {
        Set<String> present = st.names().stream().filter(optional.negate()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(expected.keySet()), present);
        expected.forEach((name, shape) -> assertArrayEquals(shape, st.get(name).shape(), name));
    }
}
