package org.gpt4roi.tensor;

/** Element types a tensor may hold; names follow the safetensors header. */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4);

    /** Bytes per element. */
    public final int size;

    DType(int size) { this.size = size; }

    /** True for the floating-point types a weight may be stored in. */
    public boolean isFloat() { return this == F32 || this == F16 || this == BF16 || this == F64; }

    /** The safetensors name ("F32", "BF16", ...), or null when the name is unknown. */
    public static DType fromName(String name) {
        for (DType t : values()) if (t.name().equals(name)) return t;
        return null;
    }
}
