package org.gpt4roi.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.gpt4roi.app.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code gpt4roi inspect} on the tiny delta release (a sharded PyTorch checkpoint). */
class InspectCommandTest {
    @Test
    void listsEveryTensorAndTheTotals() {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new Main()).setOut(new PrintWriter(out)).execute("inspect", ConvertFixture.DELTA.toString());
        assertEquals(0, code);
        String text = out.toString();
        int tensors = ConvertFixture.json(ConvertFixture.DELTA.resolve("pytorch_model.bin.index.json")).get("weight_map").size();
        assertTrue(text.matches("(?s).*\\nmodel\\.embed_tokens\\.weight +F16 +\\[32006, 4\\] +256 kB\\n.*"), text);
        assertTrue(text.matches("(?s).*\\nmodel\\.layers\\.1\\.self_attn\\.q_proj\\.weight +F16 +\\[4, 4\\] +32 B +\\(strided view\\)\\n.*"), text);
        assertTrue(text.contains("\n" + tensors + " tensors, "), text);
        assertTrue(text.contains("  F32: 2 tensors, 8 B"), text);

        StringWriter only = new StringWriter();
        new CommandLine(new Main()).setOut(new PrintWriter(only)).execute("inspect", "--match", "inv_freq$", ConvertFixture.DELTA.toString());
        assertTrue(only.toString().contains("\n2 tensors, 2 parameters, 8 B\n"), only.toString());
    }
}
