package org.gpt4roi.roi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.gpt4roi.tensor.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegionConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try { return JSON.readTree(text); } catch (IOException e) { throw new AssertionError(e); }
    }

    @Test void absentObjectGivesTheReleasedModel() {
        RegionConfig c = RegionConfig.fromJson(null, 1024, 4096);
        assertEquals(1024, c.embedDims());
        assertEquals(256, c.shuffleChannels());
        assertEquals(512, c.remainChannels());
        assertEquals(64, c.gnGroups());
        assertEquals(256, c.posHiddenDims());
        assertEquals(5, c.numFuse());
        assertEquals(List.of(128, 64, 32, 16), c.pyramidSizes());
        assertEquals(8.0 / 14, c.spatialScale(0));
        assertEquals(1.0 / 14, c.spatialScale(3));
        assertEquals(14, c.roiOutputSize());
        assertEquals(1024 * 196, c.flatDims());
        assertEquals(4096, c.hiddenSize());
        assertEquals(1e-5f, c.gnEps());
        assertEquals(c, RegionConfig.fromJson(json("{}"), 1024, 4096));
    }

    @Test void readsTheFixtureConfig() throws IOException {
        JsonNode config = JSON.readTree(Path.of(System.getProperty("gpt4roi.testdata"), "tiny/model/config.json").toFile());
        RegionConfig c = RegionConfig.fromJson(config.get("spi_module"), 48, 64);
        assertEquals(48, c.embedDims());
        assertEquals(12, c.shuffleChannels());
        assertEquals(16, c.gnGroups());
        assertEquals(32, c.posHiddenDims());
        assertEquals(64, c.hiddenSize());
    }

    @Test void unknownKeysAreListed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RegionConfig.fromJson(json("{\"embed_dims\":48,\"fuse_rounds\":5,\"gn_groups\":16}"), 48, 64));
        assertTrue(e.getMessage().contains("unknown keys in spi_module: fuse_rounds, gn_groups"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"num_levels\":3}", "{\"pyramid_sizes\":[64,32,16,8]}", "{\"spatial_scales\":[0.5,0.25,0.125,0.0625]}",
            "{\"roi_output_size\":7}", "{\"roi_sampling_ratio\":0}", "{\"roi_aligned\":false}", "{\"roi_box_scale\":336}"})
    void fixedGeometryIsChecked(String spi) {
        String key = spi.substring(2, spi.indexOf('"', 2));
        ConfigException e = assertThrows(ConfigException.class, () -> RegionConfig.fromJson(json(spi), 1024, 4096));
        assertTrue(e.getMessage().contains("spi_module." + key) && e.getMessage().contains("fixed geometry"), e.getMessage());
    }

    @Test void sizesThatCannotWorkAreRejected() {
        assertMessage("{\"embed_dims\":64}", 48, "embed_dims = 64 differs from the CLIP width 48");
        assertMessage("{\"gn_num_groups\":10}", 48, "gn_num_groups = 10 does not divide embed_dims = 48");
        assertMessage("{}", 48, "gn_num_groups = 64 does not divide embed_dims = 48");
        assertMessage("{\"gn_num_groups\":16,\"shuffle_channels\":24}", 48, "shuffle_channels = 24");
        assertMessage("{\"gn_num_groups\":16,\"pos_hidden_dims\":0}", 48, "pos_hidden_dims must be positive");
        assertMessage("{\"gn_num_groups\":\"16\"}", 48, "gn_num_groups must be an integer");
        assertMessage("{\"gn_num_groups\":16,\"gn_eps\":\"small\"}", 48, "gn_eps must be a number");
        assertMessage("{\"roi_aligned\":1}", 1024, "roi_aligned must be true or false");
        assertMessage("[1,2]", 1024, "spi_module must be an object");
    }

    private static void assertMessage(String spi, int clipWidth, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> RegionConfig.fromJson(json(spi), clipWidth, 64));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
