package org.gpt4roi.weights.pytorch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HexFormat;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;

/** The checkpoints made by {@code src/test/resources/pytorch/make_checkpoints.py} and a plain strided copy for comparisons. */
final class Fixtures {
    private Fixtures() {}

    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/pytorch/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource pytorch/" + name + " is missing", e);
        }
    }

    static JsonNode json(String name) {
        try {
            return new ObjectMapper().readTree(resource(name).toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tensor's elements in row-major order, as little-endian bytes, read one element at a time through its strides. */
    static String rowMajorHex(Tensor t) {
        MemorySegment storage = ((HostStorage) t.storage()).segment();
        int size = t.dtype().size, rank = t.rank();
        long n = t.numel();
        byte[] out = new byte[Math.toIntExact(n * size)];
        int[] idx = new int[rank];
        for (long i = 0; i < n; i++) {
            long e = t.offset();
            for (int d = 0; d < rank; d++) e += idx[d] * t.stride(d);
            MemorySegment.copy(storage, e * size, MemorySegment.ofArray(out), i * size, size);
            for (int d = rank - 1; d >= 0 && ++idx[d] == t.dim(d); d--) idx[d] = 0;
        }
        return HexFormat.of().formatHex(out);
    }
}
