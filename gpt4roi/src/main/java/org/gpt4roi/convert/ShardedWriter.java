package org.gpt4roi.convert;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensorsWriter;

/**
 * Writes tensors, made one at a time, into safetensors files of at most {@code maxShardBytes} each
 * (a larger tensor gets a file of its own): {@code model.safetensors} when one file suffices, else
 * {@code model-0000N-of-0000M.safetensors} and {@code model.safetensors.index.json}. Each tensor's
 * bytes live only while it is written.
 */
final class ShardedWriter {
    static final String SINGLE = "model.safetensors", INDEX = "model.safetensors.index.json";
    private static final Map<String, String> METADATA = Map.of("format", "pt");

    /**
     * One output tensor, how to make its bytes (in an arena that is freed once they are written), and
     * what to do once they are.
     */
    record Output(String name, DType dtype, int[] shape, Function<Arena, MemorySegment> bytes, Runnable written) {
        long byteSize() { return Tensor.numel(shape) * dtype.size; }
    }

    private ShardedWriter() {}

    /** Consecutive groups of at most {@code maxShardBytes} (or one tensor). */
    static List<List<Output>> split(List<Output> outputs, long maxShardBytes) {
        List<List<Output>> shards = new ArrayList<>();
        List<Output> current = new ArrayList<>();
        long size = 0;
        for (Output o : outputs) {
            if (!current.isEmpty() && size + o.byteSize() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(o);
            size += o.byteSize();
        }
        if (!current.isEmpty()) shards.add(current);
        return shards;
    }

    static String shardName(int index, int count) {
        return String.format("model-%05d-of-%05d.safetensors", index + 1, count);
    }

    /** Writes {@code outputs} into {@code dir}; returns the number of shard files. */
    static int write(Path dir, List<Output> outputs, long maxShardBytes, Progress progress) throws IOException {
        List<List<Output>> shards = split(outputs, maxShardBytes);
        ObjectNode weightMap = JsonNodeFactory.instance.objectNode();
        long total = 0;
        for (int s = 0; s < shards.size(); s++) {
            String file = shards.size() == 1 ? SINGLE : shardName(s, shards.size());
            List<SafeTensorsWriter.Entry> plan = shards.get(s).stream()
                    .map(o -> new SafeTensorsWriter.Entry(o.name(), o.dtype(), o.shape())).toList();
            try (SafeTensorsWriter writer = SafeTensorsWriter.create(dir.resolve(file), plan, METADATA)) {
                for (Output o : shards.get(s)) {
                    try (Arena arena = Arena.ofConfined()) {
                        writer.write(o.name(), o.bytes().apply(arena));
                    }
                    o.written().run();
                    weightMap.put(o.name(), file);
                    total += o.byteSize();
                    progress.advance(o.name(), o.byteSize());
                }
            }
        }
        if (shards.size() > 1) {
            ObjectNode index = JsonNodeFactory.instance.objectNode();
            index.putObject("metadata").put("total_size", total);
            index.set("weight_map", weightMap);
            ConvertedConfigs.write(dir.resolve(INDEX), index);
        }
        return shards.size();
    }
}
