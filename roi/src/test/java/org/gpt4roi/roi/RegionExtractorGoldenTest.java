package org.gpt4roi.roi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The region module on the tiny fixture against the reference goldens. The golden CLIP hidden
 * states are the input, so this test does not depend on the vision tower. Tolerance: the reference's
 * normwise rule {@code max|a − e| ≤ tol · max|e|} with its default tol per tensor.
 */
class RegionExtractorGoldenTest {
    private static final Path TINY = Path.of(System.getProperty("gpt4roi.testdata")).resolve("tiny");
    private static final int[] PYRAMID_LAYERS = {14, 17, 20, 23};

    private static Backend backend;
    private static SafeTensors model;
    private static RegionExtractor extractor;

    @BeforeAll static void load() throws IOException {
        JsonNode config = new ObjectMapper().readTree(TINY.resolve("model/config.json").toFile());
        RegionConfig cfg = RegionConfig.fromJson(config.get("spi_module"), config.get("mm_hidden_size").asInt(),
                config.get("hidden_size").asInt());
        backend = Backends.cpu();
        model = SafeTensors.open(TINY.resolve("model/model.safetensors"));
        extractor = new RegionExtractor(cfg, model, backend);
    }

    @AfterAll static void close() {
        model.close();
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"case-a", "case-b"})
    void everyStageMatchesTheGolden(String caseName) throws IOException {
        Path dir = TINY.resolve(caseName);
        JsonNode input = new ObjectMapper().readTree(dir.resolve("input.json").toFile());
        try (SafeTensors golden = SafeTensors.open(dir.resolve("golden.safetensors"))) {
            float[][] boxes = normalisedBoxes(input);
            assertArrayEquals(golden.get("boxes_norm").toFloatArray(), flatten(boxes), 0f, caseName + " boxes_norm");

            Map<String, Tensor> seen = new LinkedHashMap<>();
            Probe probe = (name, t) -> seen.put(name, backend.download(t));
            Tensor[] levels = new Tensor[PYRAMID_LAYERS.length];
            for (int l = 0; l < levels.length; l++)
                levels[l] = backend.upload(golden.get("vision.hidden_states." + PYRAMID_LAYERS[l]));
            FusedPyramid pyramid = extractor.fuse(levels, probe);
            Tensor out = extractor.embed(pyramid, boxes, probe);
            assertArrayEquals(seen.get("region_embeddings").toFloatArray(), backend.download(out).toFloatArray(),
                    caseName + ": the returned embeddings are the probed ones");
            assertArrayEquals(new int[] {0, extractor.config().hiddenSize()},
                    extractor.embed(pyramid, new float[0][], Probe.NONE).shape(), "no boxes give a [0,D] batch");

            List<String> names = new ArrayList<>();
            for (int l = 0; l < 4; l++) names.addAll(List.of("spi.pyramid_in." + l, "spi.fused." + l, "spi.roi." + l));
            names.addAll(List.of("spi.pconv_relu", "spi.flat", "spi.pos", "region_embeddings"));
            List<String> failures = new ArrayList<>();
            for (String name : names) {
                double tol = name.startsWith("spi.pyramid_in") ? 5e-5 : 1e-4;
                Tensor expected = golden.get(name), actual = seen.get(name);
                assertTrue(actual != null, caseName + ": probe never received " + name);
                assertArrayEquals(expected.shape(), actual.shape(), caseName + " " + name + " shape");
                double err = normwiseError(actual.toFloatArray(), expected.toFloatArray());
                String line = String.format("%s %-20s normwise error %.2e (tol %.0e)", caseName, name, err, tol);
                System.out.println(line);
                if (!(err <= tol)) failures.add(line);
            }
            assertTrue(failures.isEmpty(), "outside tolerance:\n" + String.join("\n", failures));
        }
    }

    private static float[][] normalisedBoxes(JsonNode input) {
        int width = input.get("image_size").get(0).asInt(), height = input.get("image_size").get(1).asInt();
        JsonNode boxes = input.get("boxes");
        float[][] out = new float[boxes.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode b = boxes.get(i);
            out[i] = new Box(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble())
                    .validate(i).normalised(width, height);
        }
        assertEquals(boxes.size(), out.length);
        return out;
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * 4];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, out, 4 * i, 4);
        return out;
    }

    /** {@code max|a − e| / max|e|}, in double. */
    static double normwiseError(float[] actual, float[] expected) {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxErr = Math.max(maxErr, Math.abs((double) actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxErr / maxRef;
    }
}
