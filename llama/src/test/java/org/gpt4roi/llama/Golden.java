package org.gpt4roi.llama;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.weights.SafeTensors;

/** The tiny fixture model and the normwise comparison of the reference ({@code max|a-e| ≤ tol·max|e|}). */
final class Golden {
    static final Path TESTDATA = Path.of(System.getProperty("gpt4roi.testdata"));
    static final Path MODEL = TESTDATA.resolve("tiny/model");

    private Golden() {}

    static LlamaConfig config() {
        try {
            return LlamaConfig.fromJson(new ObjectMapper().readTree(MODEL.resolve("config.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SafeTensors weights() { return SafeTensors.open(MODEL.resolve("model.safetensors")); }

    static Tokenizer tokenizer() { return Tokenizer.load(MODEL.resolve("tokenizer.model"), MODEL.resolve("added_tokens.json")); }

    static Backend backend() { return Backends.create("cpu", 2, 0); }

    /** {@code max|actual - expected| / max|expected|}. */
    static double normwiseError(float[] actual, float[] expected) {
        if (actual.length != expected.length) throw new AssertionError(actual.length + " values, expected " + expected.length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < actual.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return Double.isNaN(maxDiff) ? Double.POSITIVE_INFINITY : maxDiff / maxRef;
    }

    /** Asserts the normwise error is within {@code tol}; returns it (for the report). */
    static double assertClose(String name, float[] actual, float[] expected, double tol) {
        double err = normwiseError(actual, expected);
        assertTrue(err <= tol, name + ": normwise error " + err + " > " + tol);
        System.out.printf("%-24s normwise error %.2e%n", name, err);
        return err;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
