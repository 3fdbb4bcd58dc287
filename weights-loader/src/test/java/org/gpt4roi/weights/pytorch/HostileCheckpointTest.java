package org.gpt4roi.weights.pytorch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.gpt4roi.tensor.ModelFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Files the reader must refuse: each a {@link ModelFileException} naming the file and the problem; nothing runs. */
class HostileCheckpointTest {
    private static final Path MARKER = Path.of("/tmp/gpt4roi-pickle-ran-code");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "os_system.pt           | global 'os.system'",
            "builtins_eval.pt       | global 'builtins.eval'",
            "stack_global_exec.pt   | global 'builtins.exec'",
            "truncated.pt           | truncated",
            "compressed.pt          | is compressed",
            "legacy.pt              | legacy (pre-1.6, non-zip) torch.save format",
            "missing_storage.pt     | the archive has no entry archive/data/7",
            "offset_past_storage.pt | reaches element 6 of storage '0', which has only 4 elements",
            "short_storage.pt       | holds 16 bytes",
    })
    void refusedWithAClearMessage(String file, String problem) throws Exception {
        boolean markerBefore = Files.exists(MARKER);
        Path path = Fixtures.resource("hostile/" + file);
        ModelFileException e = assertThrows(ModelFileException.class, () -> PyTorchCheckpoint.open(path).close());
        assertTrue(e.getMessage().contains(path.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "names the problem '" + problem + "': " + e.getMessage());
        if (!markerBefore) assertFalse(Files.exists(MARKER), "the pickled command ran");
    }

    @Test
    void craftedLayoutIsSoundWhenNothingIsWrong() {
        try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(Fixtures.resource("hostile/crafted_ok.pt"))) {
            float[] w = ckpt.get("w", 3).toFloatArray();
            assertTrue(w[0] == 2f && w[1] == 3f && w[2] == 4f, "storage offset 1 of [1,2,3,4]");
        }
    }

    @Test
    void notACheckpointAtAll(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.bin"), "hello");
        ModelFileException e = assertThrows(ModelFileException.class, () -> PyTorchCheckpoint.open(text));
        assertTrue(e.getMessage().contains("not a PyTorch checkpoint"), e.getMessage());
        assertThrows(ModelFileException.class, () -> PyTorchCheckpoint.open(dir));
    }
}
