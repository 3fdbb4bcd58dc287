package org.gpt4roi.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.Tensor;

/** The tiny fixture (random weights, real structure) and its golden cases, from {@code testdata/}. */
public final class Fixture {
    private Fixture() {}

    public static Path testdata() { return Path.of(System.getProperty("gpt4roi.testdata", "../testdata")); }

    public static Path modelDir() { return testdata().resolve("tiny/model"); }

    /** One golden case: image, boxes, question, and the reference's tensors. */
    public record Case(String name, Path dir, JsonNode input) {
        public static Case load(String name) {
            Path dir = testdata().resolve("tiny").resolve(name);
            try {
                return new Case(name, dir, new ObjectMapper().readTree(dir.resolve("input.json").toFile()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The lossless image: the case's decoded-JPEG PNG when there is one. */
        public Path image() { return dir.resolve(input.has("image_rgb") ? input.get("image_rgb").asText() : input.get("image").asText()); }

        public List<Box> boxes() {
            List<Box> out = new ArrayList<>();
            for (JsonNode b : input.get("boxes")) out.add(new Box(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble()));
            return out;
        }

        public String question() { return input.get("question").asText(); }

        public int steps() { return input.get("steps").asInt(); }

        public Path golden() { return dir.resolve(input.get("golden").asText()); }
    }

    /** Normwise relative error {@code max|a-e| / max|e|} of two tensors of equal shape. */
    public static double normwiseError(Tensor actual, Tensor expected) {
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        if (a.length != e.length) throw new AssertionError("sizes differ: " + a.length + " vs " + e.length);
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            maxErr = Math.max(maxErr, Math.abs((double) a[i] - e[i]));
            maxRef = Math.max(maxRef, Math.abs((double) e[i]));
        }
        if (Double.isNaN(maxErr)) return Double.NaN;
        return maxRef == 0 ? maxErr : maxErr / maxRef;
    }
}
