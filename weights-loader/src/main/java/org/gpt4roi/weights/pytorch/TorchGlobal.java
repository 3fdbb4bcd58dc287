package org.gpt4roi.weights.pytorch;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.ModelFileException;

/**
 * The only Python globals a state-dict pickle may name. They are never imported or called: the
 * unpickler only recognises them as tags (an empty dict, a tensor record, a storage dtype).
 */
enum TorchGlobal {
    ORDERED_DICT("collections", "OrderedDict", null),
    REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2", null),
    HALF_STORAGE("torch", "HalfStorage", DType.F16),
    FLOAT_STORAGE("torch", "FloatStorage", DType.F32),
    BFLOAT16_STORAGE("torch", "BFloat16Storage", DType.BF16),
    DOUBLE_STORAGE("torch", "DoubleStorage", DType.F64),
    LONG_STORAGE("torch", "LongStorage", DType.I64),
    INT_STORAGE("torch", "IntStorage", DType.I32);

    final String module, name;
    /** Element type of a storage class; null for the other globals. */
    final DType storageDType;

    TorchGlobal(String module, String name, DType storageDType) {
        this.module = module;
        this.name = name;
        this.storageDType = storageDType;
    }

    /** The allowed global {@code module.name}; anything else is refused before it could do harm. */
    static TorchGlobal resolve(String module, String name, String where) {
        for (TorchGlobal g : values()) if (g.module.equals(module) && g.name.equals(name)) return g;
        if (module.equals("torch") && name.endsWith("Storage"))
            throw new ModelFileException(where + ": storage type torch." + name + " is not supported (tensors must be"
                    + " float16, bfloat16, float32, float64, int32 or int64)");
        throw new ModelFileException(where + ": the pickle names the Python global '" + module + "." + name
                + "', which a state dict of tensors never needs; refusing to load it (loading a checkpoint must"
                + " never run code). Allowed: " + allowed());
    }

    static String allowed() {
        return Arrays.stream(values()).map(g -> g.module + "." + g.name).collect(Collectors.joining(", "));
    }

    @Override public String toString() { return module + "." + name; }
}
