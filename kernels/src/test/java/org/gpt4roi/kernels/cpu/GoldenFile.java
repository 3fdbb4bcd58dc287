package org.gpt4roi.kernels.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gpt4roi.tensor.Tensor;

/**
 * Reads the golden tensors written by a {@code make_goldens.py} next to them: records of
 * {@code int32 nameLength, name, int32 rank, int32 dims[rank], float32 data}, little-endian.
 */
final class GoldenFile {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    GoldenFile(String resource) {
        try (InputStream in = GoldenFile.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("test resource " + resource + " is missing");
            ByteBuffer buf = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining()) {
                byte[] name = new byte[buf.getInt()];
                buf.get(name);
                int[] shape = new int[buf.getInt()];
                for (int i = 0; i < shape.length; i++) shape[i] = buf.getInt();
                float[] data = new float[Math.toIntExact(Tensor.numel(shape))];
                buf.asFloatBuffer().get(data);
                buf.position(buf.position() + 4 * data.length);
                tensors.put(new String(name, StandardCharsets.UTF_8), Tensor.ofFloats(data, shape));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalStateException("golden " + name + " not in file; names: " + tensors.keySet());
        return t;
    }
}
