package org.gpt4roi.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gpt4roi.model.ModelDirectory;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.gpt4roi.weights.SafeTensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference's runnable tiny model, taken as a "delta" over an all-zero LLaMA (vocab 32000), converts
 * back into a directory the runtime opens, holding the same tensors (x + 0 = x; only -0 becomes +0).
 */
class ReferenceModelRoundTripTest {
    private static final Path MODEL = Path.of(System.getProperty("gpt4roi.testdata"), "tiny", "model");

    @Test
    void convertsBackToTheSameModel(@TempDir Path tmp) throws Exception {
        Path base = Files.createDirectories(tmp.resolve("base")), out = tmp.resolve("out");
        try (SafeTensors fixture = SafeTensors.open(MODEL.resolve("model.safetensors"))) {
            Map<String, Tensor> zeros = new LinkedHashMap<>();
            for (String name : fixture.names()) {
                if (DeltaPlan.isRaw(name)) continue;
                Tensor t = fixture.get(name);
                int[] shape = t.shape();
                if (t.dim(0) == 32006) shape[0] = 32000;
                zeros.put(name, Tensor.zeros(t.dtype(), shape));
            }
            SafeTensorsWriter.writeAll(base.resolve("model.safetensors"), zeros, Map.of());
            Converter.run(new Converter.Options(base, MODEL, MODEL.resolve("clip"), out, 2_000_000_000L), new PrintWriter(new StringWriter()));

            ModelDirectory.open(out, null);
            try (SafeTensors converted = SafeTensors.open(out)) {
                for (String name : fixture.names()) {
                    if (DeltaPlan.isBuffer(name)) continue;
                    float[] want = fixture.get(name).toFloatArray(), got = converted.get(name).toFloatArray();
                    int differ = 0;
                    for (int i = 0; i < want.length; i++) if (want[i] != got[i]) differ++;
                    assertEquals(0, differ, name + ": " + differ + " of " + want.length + " values changed");
                }
                assertEquals(fixture.names().size() - 2, converted.names().size(), "all but the two inv_freq buffers");
            }
        }
        try (SafeTensors clip = SafeTensors.open(MODEL.resolve("clip")); SafeTensors converted = SafeTensors.open(out.resolve("clip"))) {
            assertEquals(clip.names(), converted.names());
            for (String name : clip.names())
                assertEquals(ConvertFixture.sha256(clip.get(name)), ConvertFixture.sha256(converted.get(name)), name);
        }
        assertEquals(ConvertFixture.json(MODEL.resolve("clip/config.json")), ConvertFixture.json(out.resolve("clip/config.json")));
    }
}
