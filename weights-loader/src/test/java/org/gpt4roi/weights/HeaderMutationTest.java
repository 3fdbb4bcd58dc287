package org.gpt4roi.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomly damages the length field and header of a valid file. Every outcome must be either a
 * {@link ModelFileException} or a file whose tensors tile the data area exactly and read back
 * without an out-of-range access; anything else (another exception, a crash) fails the test.
 */
class HeaderMutationTest {
    private static final int MUTATIONS_PER_SEED = 700;
    private static final long[] SEEDS = {1, 2, 3};

    @TempDir Path dir;

    @Test
    void damagedHeadersFailCleanlyOrReadInsideTheFile() throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", SafeTensorsWriterTest.randomTensor(DType.F32, 1, 2, 3));
        tensors.put("b", SafeTensorsWriterTest.randomTensor(DType.F16, 2, 4));
        tensors.put("c", SafeTensorsWriterTest.randomTensor(DType.I64, 3, 2));
        tensors.put("d", SafeTensorsWriterTest.randomTensor(DType.BF16, 4, 0));
        Path valid = dir.resolve("valid.safetensors");
        SafeTensorsWriter.writeAll(valid, tensors, Map.of("format", "pt"));
        byte[] original = Files.readAllBytes(valid);
        int headerEnd = 8 + (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong();

        Path f = dir.resolve("mutant.safetensors");
        int rejected = 0, accepted = 0;
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            for (int i = 0; i < MUTATIONS_PER_SEED; i++) {
                byte[] mutant = original.clone();
                String what = mutate(mutant, headerEnd, random);
                Files.write(f, mutant);
                try (SafeTensors st = SafeTensors.open(f)) {
                    assertReadsInsideTheFile(st, mutant, what);
                    accepted++;
                } catch (ModelFileException expected) {
                    rejected++;
                } catch (Throwable t) {
                    fail("seed " + seed + " mutation " + i + " (" + what + ") threw " + t, t);
                }
            }
        }
        // Both outcomes must occur, or the mutations do not exercise the checks.
        assertTrue(rejected > 1000 && accepted > 10, "rejected " + rejected + ", accepted " + accepted);
    }

    /** Changes 1-3 bytes of the length field or header: random bytes, bit flips, or digit swaps. */
    private static String mutate(byte[] b, int headerEnd, Random random) {
        StringBuilder what = new StringBuilder();
        int count = 1 + random.nextInt(3);
        for (int k = 0; k < count; k++) {
            int pos = random.nextInt(headerEnd);
            byte old = b[pos];
            switch (random.nextInt(3)) {
                case 0 -> b[pos] = (byte) random.nextInt(256);
                case 1 -> b[pos] ^= (byte) (1 << random.nextInt(8));
                default -> {   // a digit becomes another digit: often still JSON, with a different offset or dim
                    int digit = pos;
                    while (digit < headerEnd && (b[digit] < '0' || b[digit] > '9')) digit++;
                    if (digit == headerEnd) continue;
                    pos = digit;
                    old = b[pos];
                    b[pos] = (byte) ('0' + random.nextInt(10));
                }
            }
            what.append("byte ").append(pos).append(": ").append(old).append("->").append(b[pos]).append("; ");
        }
        return what.toString();
    }

    /** Accepted files: tensors tile the data area exactly and every element is readable. */
    private static void assertReadsInsideTheFile(SafeTensors st, byte[] file, String what) {
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long dataArea = file.length - 8 - headerLength;
        long bytes = 0;
        for (String name : st.names()) {
            Tensor t = st.get(name);
            long size = t.numel() * t.dtype().size;
            assertEquals(size, t.storage().byteSize(), what + ": tensor " + name + " storage matches dtype × shape");
            bytes += size;
            if (t.dtype().isFloat()) t.toFloatArray(); else t.toLongArray();   // bounds-checked reads
        }
        assertEquals(dataArea, bytes, what + ": tensors cover the data area " + Arrays.toString(st.names().toArray()));
    }
}
