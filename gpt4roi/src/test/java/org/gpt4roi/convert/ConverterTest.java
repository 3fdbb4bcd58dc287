package org.gpt4roi.convert;

import static org.gpt4roi.convert.ConvertFixture.BASE;
import static org.gpt4roi.convert.ConvertFixture.CLIP;
import static org.gpt4roi.convert.ConvertFixture.DELTA;
import static org.gpt4roi.convert.ConvertFixture.EXPECTED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.ConfigException;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.gpt4roi.weights.SafeTensorsWriter;
import org.gpt4roi.weights.pytorch.PyTorchCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Converter} on the tiny delta release: the result equals PyTorch's apply_delta merge bit for bit. */
class ConverterTest {
    private static final long TWO_GB = 2_000_000_000L;

    @Test
    void mergesTheTinyReleaseBitForBit(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("model");
        StringWriter log = new StringWriter();
        Converter.Report r = Converter.run(new Converter.Options(BASE, DELTA, CLIP, out, TWO_GB), new PrintWriter(log, true));

        assertEquals(1, r.shards());
        assertEquals(List.of("model.layers.0.self_attn.rotary_emb.inv_freq", "model.layers.1.self_attn.rotary_emb.inv_freq"), r.dropped());
        assertEquals(EXPECTED.get("model").size(), r.merged() + r.raw());
        assertEquals(3 + 9 * 2, r.merged(), "every LLaMA tensor (embed, lm_head, norm, 9 per layer) is a delta");
        assertTrue(r.unused().isEmpty(), "unused: " + r.unused());
        try (SafeTensors model = SafeTensors.open(out)) {
            ConvertFixture.assertSameTensors(EXPECTED.get("model"), model);
        }
        try (SafeTensors clip = SafeTensors.open(out.resolve("clip"))) {
            ConvertFixture.assertSameTensors(EXPECTED.get("clip"), clip);
        }
        assertEquals(EXPECTED.get("clip_config"), ConvertFixture.json(out.resolve("clip/config.json")));
        JsonNode delta = ConvertFixture.json(DELTA.resolve("config.json")), config = ConvertFixture.json(out.resolve("config.json"));
        assertEquals("clip", config.get("mm_vision_tower").asText());
        for (Iterator<String> it = delta.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("mm_vision_tower")) assertEquals(delta.get(key), config.get(key), "config.json keeps " + key);
        }
        for (String f : Converter.TOKENIZER_FILES)
            assertArrayEquals(Files.readAllBytes(DELTA.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        assertTrue(log.toString().contains("[100%]"), log.toString());
    }

    @Test
    void commandLineWritesShardsAndAnIndex(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("model");
        StringWriter stdout = new StringWriter(), stderr = new StringWriter();
        int code = new picocli.CommandLine(new org.gpt4roi.app.Main()).setOut(new PrintWriter(stdout)).setErr(new PrintWriter(stderr))
                .execute("convert", "--base", BASE.toString(), "--delta", DELTA.toString(), "--vision", CLIP.toString(),
                        "--out", out.toString(), "--max-shard-size", "100kB");
        assertEquals(0, code, stderr.toString());
        assertTrue(stdout.toString().contains("21 delta-merged"), stdout.toString());

        JsonNode weightMap = ConvertFixture.json(out.resolve(ShardedWriter.INDEX)).get("weight_map");
        Map<String, Long> shardBytes = new LinkedHashMap<>();
        Map<String, Integer> shardCounts = new LinkedHashMap<>();
        try (SafeTensors model = SafeTensors.open(out)) {
            ConvertFixture.assertSameTensors(EXPECTED.get("model"), model);
            for (String name : model.names()) {
                Tensor t = model.get(name);
                shardBytes.merge(weightMap.get(name).asText(), t.numel() * t.dtype().size, Long::sum);
                shardCounts.merge(weightMap.get(name).asText(), 1, Integer::sum);
            }
        }
        assertTrue(shardBytes.size() >= 4, "shards: " + shardBytes);
        int count = shardBytes.size();
        for (int i = 0; i < count; i++) {
            String file = ShardedWriter.shardName(i, count);
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
            assertTrue(shardBytes.get(file) <= 100_000 || shardCounts.get(file) == 1, file + " holds " + shardBytes.get(file) + " bytes");
        }
        assertFalse(Files.exists(out.resolve("model.safetensors")));
    }

    @Test
    void baseMayBeSafetensors(@TempDir Path tmp) {
        Path base = writeBaseAsSafetensors(tmp.resolve("base"), null);
        Path out = tmp.resolve("model");
        Converter.run(new Converter.Options(base, DELTA, CLIP, out, TWO_GB), new PrintWriter(new StringWriter()));
        try (SafeTensors model = SafeTensors.open(out)) {
            ConvertFixture.assertSameTensors(EXPECTED.get("model"), model);
        }
    }

    @Test
    void aBaseThatDoesNotMatchIsRefusedBeforeWriting(@TempDir Path tmp) {
        Path base = writeBaseAsSafetensors(tmp.resolve("base"), "model.layers.1.mlp.up_proj.weight");
        Path out = tmp.resolve("model");
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> Converter.run(new Converter.Options(base, DELTA, CLIP, out, TWO_GB), new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("delta tensor 'model.layers.1.mlp.up_proj.weight' has no counterpart in the base"), e.getMessage());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void aClipOfAnotherWidthIsRefused(@TempDir Path tmp) throws Exception {
        Path clip = Files.createDirectories(tmp.resolve("clip"));
        Files.copy(CLIP.resolve("pytorch_model.bin"), clip.resolve("pytorch_model.bin"));
        Files.writeString(clip.resolve("config.json"), Files.readString(CLIP.resolve("config.json")).replace("\"hidden_size\": 4", "\"hidden_size\": 8"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> Converter.run(new Converter.Options(BASE, DELTA, clip, tmp.resolve("model"), TWO_GB), new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("mm_hidden_size 4 differs from the CLIP width 8"), e.getMessage());
    }

    @Test
    void aNonEmptyOutputDirectoryIsRefused(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("precious.txt"), "keep me");
        InputException e = assertThrows(InputException.class,
                () -> Converter.run(new Converter.Options(BASE, DELTA, CLIP, tmp, TWO_GB), new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
    }

    /** The fixture's PyTorch base re-written as one safetensors file, optionally without one tensor. */
    private static Path writeBaseAsSafetensors(Path dir, String leaveOut) {
        try (PyTorchCheckpoint pt = PyTorchCheckpoint.open(BASE)) {
            Map<String, Tensor> all = new LinkedHashMap<>();
            for (String name : pt.names()) if (!name.equals(leaveOut)) all.put(name, pt.get(name));
            Files.createDirectories(dir);
            SafeTensorsWriter.writeAll(dir.resolve("model.safetensors"), all, Map.of("format", "pt"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return dir;
    }
}
