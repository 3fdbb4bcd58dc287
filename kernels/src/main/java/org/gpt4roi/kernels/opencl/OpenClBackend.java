package org.gpt4roi.kernels.opencl;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.Tensor;

/**
 * The GPU path: every op is an OpenCL C kernel (resources {@code org/gpt4roi/kernels/opencl/*.cl})
 * enqueued on the device's in-order queue; calls return at once and the host waits only in
 * {@link #download}. Tensors live in device buffers ({@link ClBuffer}); weights are uploaded once
 * (cached by the host tensor's memory) and keep F16/BF16 as they are, read by the kernels with
 * {@code vload_half} or a shift.
 *
 * <p>Operands may be any view of this backend: ops read contiguous F32 tensors and views with a
 * nonzero offset directly (matrix products and attention also rows with a stride); anything else
 * is first made contiguous on the device. Host tensors given as operands are uploaded (weights
 * through {@link #weight}). Each op's host side lives in a small class of its own.
 */
public final class OpenClBackend implements Backend {
    private static final long[] COPY_WG = {256};

    final ClRuntime rt;
    private final ClMemory memory;
    private final Map<WeightKey, Uploaded> weights = new ConcurrentHashMap<>();
    private final Map<String, Tensor> constants = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Opens device {@code device} of {@link OpenClDevices#list()}. */
    public OpenClBackend(int device) {
        this.rt = ClRuntime.of(OpenClDevices.get(device));
        this.memory = new ClMemory(rt);
    }

    @Override public String name() { return "opencl"; }

    @Override public String describe() {
        return "opencl: device " + rt.device.index() + " " + rt.device + ", " + rt.device.version();
    }

    /** The device this backend runs on. */
    public OpenClDevice device() { return rt.device; }

    /** Waits until every queued kernel has run (for timing; ops never need it). */
    public void finish() { rt.finish(); }

    /** Bytes of device memory held by this backend's live tensors. */
    public long deviceBytesInUse() { return memory.liveBytes(); }

    // ---------------------------------------------------------------- memory

    /**
     * Uploads a weight once: later calls with the same host memory, dtype and layout return the
     * same device tensor until {@link #close}. Matrices (rank ≥ 2) keep F16/BF16; vectors (biases,
     * norm weights) and other dtypes become F32.
     */
    @Override public Tensor weight(Tensor host) {
        if (!(host.storage() instanceof HostStorage)) return host;
        return weights.computeIfAbsent(WeightKey.of(host), k -> new Uploaded(host, uploadWeight(host))).device();
    }

    private Tensor uploadWeight(Tensor host) {
        boolean keepsDtype = host.rank() >= 2 && host.isContiguous()
                && (host.dtype() == DType.F16 || host.dtype() == DType.BF16 || host.dtype() == DType.F32);
        if (!keepsDtype) return upload(host);
        return Tensor.of(host.dtype(), allocate(hostBytes(host)), host.shape());
    }

    @Override public Tensor upload(Tensor host) {
        if (!(host.storage() instanceof HostStorage)) return contiguousCopy(host);
        if (!host.isContiguous() || !(host.dtype() == DType.F32 || host.dtype() == DType.F16 || host.dtype() == DType.BF16))
            return upload(host.toF32());
        Tensor raw = Tensor.of(host.dtype(), allocate(hostBytes(host)), host.shape());
        if (host.dtype() == DType.F32) return raw;
        Tensor f32 = newTensor(host.shape());
        copy(raw, f32);
        ((ClBuffer) raw.storage()).release();
        return f32;
    }

    @Override public Tensor zeros(int... shape) {
        Tensor t = newTensor(shape);
        rt.fillZero((ClBuffer) t.storage(), t.storage().byteSize());
        return t;
    }

    @Override public Tensor download(Tensor t) {
        Tensor c = f32(t);
        Tensor host = Tensor.zeros(DType.F32, c.shape());
        if (c.numel() > 0) rt.read((ClBuffer) c.storage(), c.offset() * 4, c.numel() * 4, host.segment());
        return host;
    }

    @Override public void copy(Tensor src, Tensor dst) { ClCopy.copy(this, onDevice(src), dst); }

    // ---------------------------------------------------------------- ops

    @Override public Tensor linear(Tensor x, Tensor w, Tensor bias) { return ClMatmul.linear(this, x, w, bias); }

    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        return ClMatmul.conv2d(this, x, w, bias, stride, padding);
    }

    @Override public Tensor resizeBilinear(Tensor x, int outH, int outW, boolean alignCorners) {
        return ClSpatial.resizeBilinear(this, x, outH, outW, alignCorners);
    }

    @Override public Tensor roiAlign(Tensor x, Tensor boxes, float spatialScale, int outSize, int samplingRatio, boolean aligned) {
        return ClSpatial.roiAlign(this, x, boxes, spatialScale, outSize, samplingRatio, aligned);
    }

    @Override public Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps) { return ClNorms.layerNorm(this, x, w, b, eps); }
    @Override public Tensor rmsNorm(Tensor x, Tensor w, float eps) { return ClNorms.rmsNorm(this, x, w, eps); }
    @Override public Tensor groupNorm(Tensor x, int groups, Tensor w, Tensor b, float eps) {
        return ClNorms.groupNorm(this, x, groups, w, b, eps);
    }

    @Override public void add(Tensor x, Tensor y) { ClElementwise.add(this, x, y); }
    @Override public void relu(Tensor x) { ClElementwise.unary(this, "relu", x); }
    @Override public void quickGelu(Tensor x) { ClElementwise.unary(this, "quick_gelu", x); }
    @Override public void siluMul(Tensor gate, Tensor up) { ClElementwise.siluMul(this, gate, up); }
    @Override public void softmax(Tensor x) { ClNorms.softmax(this, x); }

    @Override public void rope(Tensor x, int heads, int startPos, float theta) { ClAttention.rope(this, x, heads, startPos, theta); }
    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        return ClAttention.attention(this, q, k, v, heads, causal);
    }

    @Override public Tensor embedding(Tensor table, int[] ids) { return ClCopy.embedding(this, deviceWeight(table), ids); }

    /** Releases every device buffer of this backend (its tensors become unusable). Compiled programs stay cached. */
    @Override public void close() {
        closed = true;
        weights.clear();
        constants.clear();
        memory.close();
    }

    // ---------------------------------------------------------------- helpers for the op classes

    /** A new, uninitialised contiguous F32 tensor. */
    Tensor newTensor(int... shape) {
        return Tensor.of(DType.F32, allocate(elements(shape) * 4, null), shape);
    }

    /** A buffer of {@code bytes}, filled from {@code hostData} when it is not null. */
    ClBuffer allocate(long bytes, MemorySegment hostData) {
        if (closed) throw new IllegalStateException("the opencl backend is closed");
        return memory.allocate(bytes, hostData);
    }

    /** The element count of {@code shape}; kernels index with int, so at most 2^31 - 1. */
    private static long elements(int[] shape) {
        long n = Tensor.numel(shape);
        if (n > Integer.MAX_VALUE)
            throw new IllegalArgumentException("a tensor of " + n + " elements " + Arrays.toString(shape)
                    + " is above the opencl backend's 2^31 - 1");
        return n;
    }

    private ClBuffer allocate(MemorySegment hostBytes) { return allocate(hostBytes.byteSize(), hostBytes); }

    private static MemorySegment hostBytes(Tensor host) {
        return host.segment().asSlice(0, elements(host.shape()) * host.dtype().size);
    }

    /** A small F32 table computed on the host once per backend (e.g. RoPE frequencies), kept on the device. */
    Tensor constant(String key, Supplier<float[]> values) {
        return constants.computeIfAbsent(key, k -> {
            float[] v = values.get();
            return upload(Tensor.ofFloats(v, v.length));
        });
    }

    /** {@code t} on this backend: host tensors are uploaded (as F32). */
    Tensor onDevice(Tensor t) { return t.storage() instanceof HostStorage ? upload(t) : t; }

    /** {@code t} as a contiguous F32 tensor of this backend (itself when it already is one). */
    Tensor f32(Tensor t) {
        Tensor d = onDevice(t);
        return d.isContiguous() && d.dtype() == DType.F32 ? d : contiguousCopy(d);
    }

    private Tensor contiguousCopy(Tensor t) {
        Tensor out = newTensor(t.shape());
        copy(t, out);
        return out;
    }

    /** A weight-like operand on this backend, contiguous, in F32, F16 or BF16. */
    Tensor deviceWeight(Tensor w) {
        Tensor d = w.storage() instanceof HostStorage ? weight(w) : w;
        boolean readable = d.dtype() == DType.F32 || d.dtype() == DType.F16 || d.dtype() == DType.BF16;
        return d.isContiguous() && readable ? d : contiguousCopy(d);
    }

    /** Runs an in-place op on {@code x}, through a contiguous F32 copy written back when {@code x} is not one. */
    void inPlace(Tensor x, Consumer<Tensor> op) {
        Tensor c = f32(x);
        op.accept(c);
        if (c != x) copy(c, x);
    }

    /** Enqueues kernel {@code name} of {@code file}.cl (built with {@code defines}); see {@link ClRuntime#launch}. */
    void launch(String file, String defines, String name, long[] global, long[] local, Object... args) {
        rt.launch(rt.kernel(file, defines, name), global, local, args);
    }

    /** A 1-D launch of one item per element, in work-groups of 256. */
    void launchElements(String file, String defines, String name, long n, Object... args) {
        if (n > 0) launch(file, defines, name, new long[] {n}, COPY_WG, args);
    }

    static void require(boolean ok, String op, String message) {
        if (!ok) throw new IllegalArgumentException(op + ": " + message);
    }

    static String shape(Tensor t) { return Arrays.toString(t.shape()); }

    /** A cached weight; the host tensor is held too, so that its memory (the cache key) cannot be reused. */
    private record Uploaded(Tensor host, Tensor device) {}

    /** Identity of a host weight: its memory (heap array or native address), dtype and layout. */
    private record WeightKey(Object heapBase, long address, long offset, String layout) {
        static WeightKey of(Tensor host) {
            MemorySegment seg = ((HostStorage) host.storage()).segment();
            return new WeightKey(seg.heapBase().orElse(null), seg.address(), host.offset(),
                    host.dtype() + Arrays.toString(host.shape()) + Arrays.toString(host.strides()));
        }
    }
}
