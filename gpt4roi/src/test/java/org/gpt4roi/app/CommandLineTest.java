package org.gpt4roi.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gpt4roi.model.Fixture;
import org.gpt4roi.weights.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, messages on standard error, outputs. */
class CommandLineTest {
    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static String model() { return Fixture.modelDir().toString(); }
    static String image() { return Fixture.testdata().resolve("tiny/case-b/shapes.png").toString(); }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.code());
        for (String c : new String[] {"demo", "ask", "chat", "dump", "serve", "convert", "inspect", "devices"})
            assertTrue(r.out().contains(c), c + " missing from --help:\n" + r.out());
    }

    @Test
    void askStreamsAnAnswerAndAnnotates(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("boxes.png");
        Run r = run("ask", "--model", model(), "--image", image(), "--box", "40,30,180,150", "--prompt", "What is <region1>?",
                "--greedy", "--max-new-tokens", "4", "--annotate", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().strip().length() > 0, "an answer: " + r.out());
        assertTrue(r.err().contains("prefill") && r.err().contains("tokens/s"), r.err());
        assertTrue(r.err().contains("KV cache: 2048 tokens"), r.err());
        assertTrue(Files.size(png) > 1000);
    }

    @Test
    void badInputsGiveOneClearLine(@TempDir Path tmp) throws Exception {
        Path junk = tmp.resolve("junk.jpg");
        Files.writeString(junk, "not an image");
        String[][] cases = {
                {"missing.jpg", "40,30,180,150", "What is <region1>?", "missing.jpg"},
                {junk.toString(), "40,30,180,150", "What is <region1>?", "junk.jpg"},
                {image(), "180,30,40,150", "What is <region1>?", "x2 < x1"},
                {image(), "40,30,abc,150", "What is <region1>?", "'abc' is not a number"},
                {image(), "40,30,180,150", "What is <region2>?", "region 2"},
        };
        for (String[] c : cases) {
            Run r = run("ask", "--model", model(), "--image", c[0], "--box", c[1], "--prompt", c[2], "--greedy", "--max-new-tokens", "2");
            assertEquals(2, r.code(), "exit code for " + c[3] + ": " + r.err());
            assertTrue(r.err().contains("error: ") && r.err().contains(c[3]), "message should name " + c[3] + ": " + r.err());
            assertTrue(!r.err().contains("\tat org."), "no stack trace: " + r.err());
        }
        Run r = run("ask", "--model", tmp.toString(), "--image", image(), "--prompt", "hi");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("config.json"), r.err());
    }

    @Test
    void dumpWritesTheGoldenNames(@TempDir Path tmp) {
        Path out = tmp.resolve("dump.safetensors");
        Run r = run("dump", "--model", model(), "--image", image(), "--box", "40,30,180,150", "--prompt", "What is <region1>?",
                "--steps", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (SafeTensors st = SafeTensors.open(out)) {
            for (String n : new String[] {"pixel_values", "vision.hidden_states.23", "image_tokens", "spi.fused.0", "spi.roi.3",
                    "region_embeddings", "inputs_embeds", "prefill.logits_last", "greedy_ids", "greedy.logits.1"})
                assertTrue(st.contains(n), n + " missing; has " + st.names());
            assertEquals(2, st.get("greedy_ids").numel());
        }
    }
}
