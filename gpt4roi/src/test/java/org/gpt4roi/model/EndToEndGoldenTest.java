package org.gpt4roi.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.vit.RgbImage;
import org.gpt4roi.weights.SafeTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole pipeline through the library API on the tiny fixture, on every backend: every tensor of
 * the golden list within the reference's {@code compare} tolerances, and the greedy ids identical.
 * The opencl run skips (saying why) where no OpenCL platform exists, unless GPT4ROI_REQUIRE_OPENCL=1.
 */
class EndToEndGoldenTest {
    static final Map<String, Gpt4RoiModel> models = new java.util.HashMap<>();

    static Gpt4RoiModel model(String backend) {
        return models.computeIfAbsent(backend, b -> {
            org.gpt4roi.kernels.Backend be;
            try {
                be = Backends.create(b, 0, 0);
            } catch (RuntimeException e) {
                String why = "backend " + b + " unavailable: " + e.getMessage();
                if (b.equals("cpu") || "1".equals(System.getenv("GPT4ROI_REQUIRE_OPENCL"))) fail(why);
                org.junit.jupiter.api.Assumptions.abort(why + " (set GPT4ROI_REQUIRE_OPENCL=1 to make this a failure)");
                throw e;
            }
            return Gpt4RoiModel.load(ModelDirectory.open(Fixture.modelDir(), null), be);
        });
    }

    @AfterAll static void close() {
        for (Gpt4RoiModel m : models.values()) { m.close(); m.backend.close(); }
    }

    /** The reference README §8 default tolerance of a golden tensor. */
    static double tolerance(String name) {
        if (name.equals("boxes_norm")) return 1e-6;
        if (name.equals("pixel_values") || name.startsWith("spi.fuse") || name.startsWith("spi.roi") || name.startsWith("spi.p")
                || name.startsWith("spi.flat") || name.equals("region_embeddings")) return 1e-4;
        if (name.equals("greedy.margin")) return 1e-3;
        return 5e-5;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"case-a, cpu", "case-b, cpu", "case-a, opencl", "case-b, opencl"})
    void dumpMatchesGoldens(String caseName, String backend) {
        Fixture.Case c = Fixture.Case.load(caseName);
        TensorCollector dump = Dumper.run(model(backend), RgbImage.read(c.image()), c.boxes(), c.question(), c.steps());
        Map<String, Tensor> actual = dump.tensors();
        List<String> report = new ArrayList<>(), failures = new ArrayList<>();
        try (SafeTensors golden = SafeTensors.open(c.golden())) {
            for (String name : golden.names()) {
                boolean optional = name.equals("preprocess.resized") || name.equals("vision.hidden_states.0") || name.equals("spi.fuse_stats");
                Tensor e = golden.get(name), a = actual.get(name);
                if (a == null) { if (!optional) failures.add(name + " missing"); continue; }
                if (!Arrays.equals(a.shape(), e.shape())) { failures.add(name + " shape " + Arrays.toString(a.shape())); continue; }
                if (name.equals("input_ids") || name.equals("greedy_ids")) {
                    assertArrayEquals(e.toLongArray(), a.toLongArray(), caseName + ": " + name);
                    continue;
                }
                double err = Fixture.normwiseError(a, e);
                report.add(String.format("%s %.2e", name, err));
                if (!(err <= tolerance(name))) failures.add(String.format("%s rel err %.3e > %.0e", name, err, tolerance(name)));
            }
        }
        if (!failures.isEmpty()) fail(caseName + " on " + backend + ": " + failures + "\nall: " + report);
        assertTrue(report.size() >= 30, "compared " + report.size() + " tensors: " + report);
    }
}
