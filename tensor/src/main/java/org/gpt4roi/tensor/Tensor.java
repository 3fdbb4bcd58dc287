package org.gpt4roi.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional array: dtype, shape, strides (in elements) and an element offset into a
 * {@link Storage}. Views ({@link #slice}, {@link #reshape}, {@link #transpose}) share storage and
 * copy nothing. Data are little-endian, row-major when contiguous. No arithmetic lives here:
 * that is the kernels' job.
 */
public final class Tensor {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DType dtype;
    private final int[] shape;
    private final long[] strides;
    private final long offset;
    private final Storage storage;

    public Tensor(DType dtype, int[] shape, long[] strides, long offset, Storage storage) {
        if (shape.length != strides.length) throw new IllegalArgumentException("shape and strides differ in rank");
        for (int d : shape) if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
        this.dtype = dtype;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
        this.storage = storage;
    }

    /** A contiguous row-major tensor over {@code storage} starting at element 0. */
    public static Tensor of(DType dtype, Storage storage, int... shape) {
        return new Tensor(dtype, shape, rowMajorStrides(shape), 0, storage);
    }

    /** A fresh zero-filled host tensor (GC-managed off-heap memory). */
    public static Tensor zeros(DType dtype, int... shape) {
        long bytes = Math.max(1, numel(shape) * dtype.size);
        return of(dtype, new HostStorage(Arena.ofAuto().allocate(bytes, 64)), shape);
    }

    /** A host F32 tensor holding a copy of {@code values}. */
    public static Tensor ofFloats(float[] values, int... shape) {
        if (numel(shape) != values.length)
            throw new IllegalArgumentException(values.length + " values do not fill shape " + Arrays.toString(shape));
        Tensor t = zeros(DType.F32, shape);
        MemorySegment.copy(values, 0, t.segment(), F32, 0, values.length);
        return t;
    }

    /** A host I64 tensor holding a copy of {@code values}. */
    public static Tensor ofLongs(long[] values, int... shape) {
        if (numel(shape) != values.length)
            throw new IllegalArgumentException(values.length + " values do not fill shape " + Arrays.toString(shape));
        Tensor t = zeros(DType.I64, shape);
        MemorySegment.copy(values, 0, t.segment(), I64, 0, values.length);
        return t;
    }

    public static long[] rowMajorStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public DType dtype() { return dtype; }
    public int[] shape() { return shape.clone(); }
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public int rank() { return shape.length; }
    public long[] strides() { return strides.clone(); }
    public long stride(int i) { return strides[i < 0 ? strides.length + i : i]; }
    public long offset() { return offset; }
    public Storage storage() { return storage; }
    public long numel() { return numel(shape); }

    public boolean isContiguous() {
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != acc) return false;
            acc *= shape[i];
        }
        return true;
    }

    /** The host bytes this tensor spans, from its first element to its last. Fails for device storage. */
    public MemorySegment segment() {
        if (!(storage instanceof HostStorage h))
            throw new IllegalStateException("tensor lives in " + storage.getClass().getSimpleName() + ", not host memory");
        return h.segment().asSlice(offset * dtype.size, extent() * dtype.size);
    }

    /** Elements from the first to the last one this view reaches (its span in storage, for any strides). */
    public long extent() {
        long last = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) return 0;
            last += (shape[i] - 1) * strides[i];
        }
        return last + 1;
    }

    /** Same storage, new shape; requires a contiguous tensor. One dimension may be -1. */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) { if (infer >= 0) throw new IllegalArgumentException("two -1 in reshape"); infer = i; }
            else known *= s[i];
        }
        if (infer >= 0) {
            if (known == 0) throw new IllegalArgumentException("cannot infer -1 in " + Arrays.toString(newShape) + " with a zero dimension");
            s[infer] = (int) (numel() / known);
        }
        if (numel(s) != numel())
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        if (!isContiguous()) throw new IllegalStateException("reshape of a non-contiguous view " + this);
        return new Tensor(dtype, s, rowMajorStrides(s), offset, storage);
    }

    /** View of indices [start, end) along {@code dim}. */
    public Tensor slice(int dim, int start, int end) {
        int d = dim < 0 ? shape.length + dim : dim;
        if (start < 0 || end > shape[d] || start > end)
            throw new IndexOutOfBoundsException("slice [" + start + "," + end + ") of dim " + d + " size " + shape[d]);
        int[] s = shape.clone();
        s[d] = end - start;
        return new Tensor(dtype, s, strides, offset + start * strides[d], storage);
    }

    /** View with index {@code i} fixed along dim 0 (rank drops by one). */
    public Tensor get(int i) {
        if (i < 0 || i >= shape[0]) throw new IndexOutOfBoundsException("index " + i + " of dim 0 size " + shape[0]);
        return new Tensor(dtype, Arrays.copyOfRange(shape, 1, shape.length),
                Arrays.copyOfRange(strides, 1, strides.length), offset + i * strides[0], storage);
    }

    /** View with dims {@code a} and {@code b} swapped (negative dims count from the end). */
    public Tensor transpose(int a, int b) {
        if (a < 0) a += shape.length;
        if (b < 0) b += shape.length;
        int[] s = shape.clone();
        long[] st = strides.clone();
        int t = s[a]; s[a] = s[b]; s[b] = t;
        long u = st[a]; st[a] = st[b]; st[b] = u;
        return new Tensor(dtype, s, st, offset, storage);
    }

    /** Element at a multi-index as float (any float dtype; host storage only). For tests and small reads. */
    public float getFloat(int... idx) {
        if (idx.length != shape.length)
            throw new IllegalArgumentException(idx.length + " indices for a rank-" + shape.length + " tensor");
        long e = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i])
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " outside shape " + Arrays.toString(shape));
            e += idx[i] * strides[i];
        }
        return readFloat(((HostStorage) storage).segment(), e);
    }

    private float readFloat(MemorySegment seg, long e) {
        return switch (dtype) {
            case F32 -> seg.get(F32, e * 4);
            case F16 -> HalfFloats.f16ToF32(seg.get(I16, e * 2));
            case BF16 -> HalfFloats.bf16ToF32(seg.get(I16, e * 2));
            case F64 -> (float) seg.get(F64, e * 8);
            case I64 -> seg.get(I64, e * 8);
            case I32 -> seg.get(I32, e * 4);
        };
    }

    /** All elements in row-major order as float (any dtype, any strides; host storage only). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        MemorySegment seg = ((HostStorage) storage).segment();
        if (isContiguous() && dtype == DType.F32) {
            MemorySegment.copy(seg, F32, offset * 4, out, 0, out.length);
            return out;
        }
        int[] idx = new int[shape.length];
        for (int n = 0; n < out.length; n++) {
            long e = offset;
            for (int i = 0; i < idx.length; i++) e += idx[i] * strides[i];
            out[n] = readFloat(seg, e);
            for (int i = idx.length - 1; i >= 0 && ++idx[i] == shape[i]; i--) idx[i] = 0;
        }
        return out;
    }

    /** All elements in row-major order as long (I64/I32, or floats truncated); host storage only. */
    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(numel())];
        MemorySegment seg = ((HostStorage) storage).segment();
        int[] idx = new int[shape.length];
        for (int n = 0; n < out.length; n++) {
            long e = offset;
            for (int i = 0; i < idx.length; i++) e += idx[i] * strides[i];
            out[n] = switch (dtype) {
                case I64 -> seg.get(I64, e * 8);
                case I32 -> seg.get(I32, e * 4);
                default -> (long) readFloat(seg, e);
            };
            for (int i = idx.length - 1; i >= 0 && ++idx[i] == shape[i]; i--) idx[i] = 0;
        }
        return out;
    }

    /** A contiguous F32 host copy (any dtype, any strides). */
    public Tensor toF32() {
        return ofFloats(toFloatArray(), shape);
    }

    @Override public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + (isContiguous() ? "" : " strided") + "]";
    }
}
