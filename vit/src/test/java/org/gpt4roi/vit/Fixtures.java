package org.gpt4roi.vit;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.gpt4roi.weights.SafeTensors;

/** Paths of the committed test data: the tiny fixture ({@code testdata/tiny}) and this module's resources. */
final class Fixtures {
    private Fixtures() {}

    static Path tiny() {
        return Path.of(System.getProperty("gpt4roi.testdata", "../testdata")).resolve("tiny");
    }

    static Path caseDir(String name) { return tiny().resolve(name); }

    static SafeTensors golden(String caseName) { return SafeTensors.open(caseDir(caseName).resolve("golden.safetensors")); }

    static Path clipDir() { return tiny().resolve("model").resolve("clip"); }

    static Path modelWeights() { return tiny().resolve("model").resolve("model.safetensors"); }

    /** A file or directory under {@code src/test/resources}. */
    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " is missing", e);
        }
    }
}
