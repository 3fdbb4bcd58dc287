package org.gpt4roi.weights;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.ModelFileException;

/**
 * A sharded set's {@code model.safetensors.index.json}:
 * {@code {"metadata": {...}, "weight_map": {tensor name: shard file name}}}.
 * Shard names are plain file names in the index's directory.
 *
 * @param file      the index file
 * @param metadata  the "metadata" object, each value as text (e.g. {@code total_size}); empty when absent
 * @param weightMap tensor name → shard file name, in index order
 */
public record SafeTensorsIndex(Path file, Map<String, String> metadata, Map<String, String> weightMap) {
    /** The conventional index file name in a model directory. */
    public static final String FILE_NAME = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Reads and checks an index file (not the shards it names). */
    public static SafeTensorsIndex read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new ModelFileException(file + ": index file does not exist");
        } catch (IOException e) {
            throw bad(file, "is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) throw bad(file, "is not a JSON object");

        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode meta = root.get("metadata");
        if (meta != null && !meta.isNull()) {
            if (!meta.isObject()) throw bad(file, "\"metadata\" is " + meta.getNodeType() + ", not an object");
            meta.properties().forEach(e -> metadata.put(e.getKey(),
                    e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
        }

        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw bad(file, "has no \"weight_map\" object");
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            JsonNode shard = e.getValue();
            if (!shard.isTextual() || !isPlainFileName(shard.textValue()))
                throw bad(file, "weight_map entry for tensor '" + e.getKey() + "' is " + shard
                        + ", not the file name of a shard in the index's directory");
            weightMap.put(e.getKey(), shard.textValue());
        }
        return new SafeTensorsIndex(file, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(weightMap));
    }

    /** The distinct shard file names, in order of first mention. */
    public List<String> shards() {
        return new ArrayList<>(new LinkedHashSet<>(weightMap.values()));
    }

    /** The path of shard {@code shardName}, next to the index. */
    public Path shardPath(String shardName) {
        return file.resolveSibling(shardName);
    }

    private static boolean isPlainFileName(String s) {
        return !s.isEmpty() && !s.equals(".") && !s.equals("..") && s.indexOf('/') < 0 && s.indexOf('\\') < 0
                && s.indexOf('\0') < 0;
    }

    private static ModelFileException bad(Path file, String problem) {
        return new ModelFileException(file + ": safetensors index " + problem + "; the model download is damaged");
    }
}
