package org.gpt4roi.weights.pytorch;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;

/**
 * One checkpoint file in PyTorch's zip format ({@code torch.save} since PyTorch 1.6):
 * <pre>
 * ARCHIVE/data.pkl      the pickled state dict: names → tensor records that name storages
 * ARCHIVE/data/KEY      each storage's raw little-endian bytes, stored uncompressed
 * ARCHIVE/version, ARCHIVE/byteorder ("little"; optional)
 * </pre>
 * ARCHIVE is the name the file was saved under; it is taken from the data.pkl entry. Every tensor is
 * checked against its storage when the file is opened, and is a view (strides and storage offset as
 * pickled, so possibly non-contiguous) on the memory-mapped entry.
 */
final class TorchFile implements AutoCloseable {
    private final StoredZip zip;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private TorchFile(StoredZip zip) { this.zip = zip; }

    static TorchFile open(Path file) {
        checkSignature(file);
        StoredZip zip = StoredZip.open(file);
        try {
            TorchFile f = new TorchFile(zip);
            f.readStateDict(archiveName(zip));
            return f;
        } catch (RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    Path file() { return zip.file(); }

    /** The tensors in pickle order. */
    Map<String, Tensor> tensors() { return tensors; }

    private void readStateDict(String archive) {
        if (zip.contains(archive + "/byteorder")) {
            String order = text(archive + "/byteorder");
            if (!order.equals("little"))
                throw fail("was saved on a " + order + "-endian machine; only little-endian checkpoints are supported");
        }
        String pkl = archive + "/data.pkl";
        Object root = RestrictedUnpickler.load(zip.data(pkl).toArray(ValueLayout.JAVA_BYTE), file() + ": " + pkl);
        if (!(root instanceof Map<?, ?> dict))
            throw fail(pkl + " holds a " + (root == null ? "None" : root.getClass().getSimpleName())
                    + ", not a state dict (a dict of name → tensor)");
        Map<String, MemorySegment> storages = new HashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name))
                throw fail(pkl + ": state dict key " + e.getKey() + " is not a string");
            if (!(e.getValue() instanceof PickledTensor t))
                throw fail("state dict entry '" + name + "' is not a tensor (only state dicts of tensors are supported)");
            tensors.put(name, view(archive, name, t, storages));
        }
    }

    /** The tensor over its storage entry, after checking that the entry holds every element the view reaches. */
    private Tensor view(String archive, String name, PickledTensor t, Map<String, MemorySegment> storages) {
        StorageRef s = t.storage();
        String entry = archive + "/data/" + s.key();
        if (!zip.contains(entry))
            throw fail("tensor '" + name + "' uses storage '" + s.key() + "', but the archive has no entry " + entry
                    + " (incomplete or corrupt checkpoint)");
        MemorySegment bytes = storages.computeIfAbsent(s.key(), k -> zip.data(entry));
        long need = Math.multiplyExact(s.numel(), (long) s.dtype().size);
        if (bytes.byteSize() < need)
            throw fail("storage " + entry + " holds " + bytes.byteSize() + " bytes, but tensor '" + name + "' declares it as "
                    + s.numel() + " " + s.dtype() + " elements (" + need + " bytes): truncated or corrupt checkpoint");
        long last = lastElement(t);
        if (last >= s.numel())
            throw fail("tensor '" + name + "' " + Arrays.toString(t.shape()) + " with storage offset " + t.storageOffset()
                    + " and strides " + Arrays.toString(t.stride()) + " reaches element " + last + " of storage '" + s.key()
                    + "', which has only " + s.numel() + " elements: corrupt checkpoint");
        return new Tensor(s.dtype(), t.shape(), t.stride(), t.storageOffset(), new HostStorage(bytes.asSlice(0, need)));
    }

    /** Index of the last storage element the view reaches (-1 for an empty tensor; Long.MAX_VALUE on overflow). */
    private static long lastElement(PickledTensor t) {
        long last = t.storageOffset();
        try {
            for (int d = 0; d < t.shape().length; d++) {
                if (t.shape()[d] == 0) return -1;
                last = Math.addExact(last, Math.multiplyExact(t.shape()[d] - 1L, t.stride()[d]));
            }
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
        return last;
    }

    /** The archive folder: the one top-level directory holding data.pkl. */
    private static String archiveName(StoredZip zip) {
        List<String> found = zip.names().stream()
                .filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()).toList();
        if (found.size() != 1)
            throw new ModelFileException(zip.file() + ": " + (found.isEmpty() ? "has no ARCHIVE/data.pkl entry" : "has several data.pkl entries " + found)
                    + ", so it is not a checkpoint written by torch.save");
        return found.getFirst().substring(0, found.getFirst().length() - "/data.pkl".length());
    }

    /** Tells zip checkpoints from the legacy torch.save format and from other files before parsing. */
    private static void checkSignature(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        } catch (IOException e) {
            throw new ModelFileException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return;
        if (head.length > 0 && (head[0] & 0xff) == 0x80)
            throw new ModelFileException(file + ": this is the legacy (pre-1.6, non-zip) torch.save format, which is not"
                    + " supported; re-save it with a current PyTorch: torch.save(torch.load(f), f2)");
        throw new ModelFileException(file + ": not a PyTorch checkpoint (it does not start with a zip signature"
                + (head.length < 4 ? "; the file is empty or truncated)" : ")"));
    }

    private String text(String entry) {
        return new String(zip.data(entry).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8).strip();
    }

    private ModelFileException fail(String what) { return new ModelFileException(file() + ": " + what); }

    @Override public void close() { zip.close(); }
}
