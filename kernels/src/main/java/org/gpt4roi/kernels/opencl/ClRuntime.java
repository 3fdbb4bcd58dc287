package org.gpt4roi.kernels.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.DeviceMemoryException;
import org.gpt4roi.tensor.Tensor;

/**
 * One OpenCL device in use: its context, in-order queue, compiled programs (built once per device
 * and kept for the life of the process) and the count of bytes allocated on it. Shared by every
 * backend opened on that device. Launches are serialised (kernel arguments are per kernel object).
 */
final class ClRuntime {
    private static final Map<Long, ClRuntime> BY_DEVICE = new ConcurrentHashMap<>();
    private static final String RESOURCES = "/org/gpt4roi/kernels/opencl/";

    /** A compiled kernel and the largest work-group it can run with. */
    record Kernel(String name, MemorySegment handle, long maxWorkGroup) {}

    final OpenCl cl;
    final OpenClDevice device;
    final MemorySegment context, queue;
    private final Map<String, MemorySegment> programs = new ConcurrentHashMap<>();
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();
    private final AtomicLong allocated = new AtomicLong();
    /** Argument values and work sizes of the launch in progress (used under the lock). */
    private final MemorySegment scratch = Arena.global().allocate(128, 16);

    static ClRuntime of(OpenClDevice device) {
        return BY_DEVICE.computeIfAbsent(device.handle.address(), a -> new ClRuntime(device));
    }

    private ClRuntime(OpenClDevice device) {
        this.cl = OpenCl.get();
        this.device = device;
        this.context = cl.createContext(device.handle);
        this.queue = cl.createCommandQueue(context, device.handle);
    }

    // ------------------------------------------------------------------ programs

    /** The build options that make {@code wtype} the given weight dtype (see common.cl). */
    static String weightDefine(DType dtype) {
        return switch (dtype) {
            case F32 -> "";
            case F16 -> "-DWEIGHT_F16";
            case BF16 -> "-DWEIGHT_BF16";
            default -> throw new IllegalArgumentException("weights must be F32, F16 or BF16, not " + dtype);
        };
    }

    /** Kernel {@code name} of {@code file}.cl built with {@code defines}; compiled on first use. */
    Kernel kernel(String file, String defines, String name) {
        return kernels.computeIfAbsent(file + "|" + defines + "|" + name, key -> {
            MemorySegment program = programs.computeIfAbsent(file + "|" + defines, k -> build(file, defines));
            MemorySegment handle = cl.createKernel(program, name);
            return new Kernel(name, handle, cl.kernelWorkGroupSize(handle, device.handle));
        });
    }

    private MemorySegment build(String file, String defines) {
        String source = resource("common.cl") + "\n" + resource(file + ".cl");
        return cl.buildProgram(context, device.handle, source, ("-cl-std=CL1.2 " + defines).trim(), file + ".cl");
    }

    private static String resource(String name) {
        try (InputStream in = ClRuntime.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) throw new IllegalStateException("kernel source " + RESOURCES + name + " missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read kernel source " + name, e);
        }
    }

    // ------------------------------------------------------------------ launches

    /**
     * Sets the arguments and enqueues; returns at once. Arguments: a {@link Tensor} of this backend
     * becomes two (its buffer, its element offset), a {@link ClBuffer} its buffer, an {@code Integer}
     * an int, a {@code Float} a float, an {@code int[8]} an int8. Global sizes are rounded up to
     * whole work-groups (kernels check bounds).
     */
    synchronized void launch(Kernel k, long[] global, long[] local, Object... args) {
        long wg = 1;
        for (long l : local) wg *= l;
        if (wg > k.maxWorkGroup())
            throw new OpenClException("kernel " + k.name() + " needs work-groups of " + wg + " items but " + device.name()
                    + " allows at most " + k.maxWorkGroup() + " for it");
        int index = 0;
        for (Object arg : args) {
            switch (arg) {
                case Tensor t -> {
                    setArg(k, index++, ((ClBuffer) t.storage()).mem());
                    setArg(k, index++, Math.toIntExact(t.offset()));
                }
                case ClBuffer b -> setArg(k, index++, b.mem());
                case Integer i -> setArg(k, index++, i.intValue());
                case Float f -> { scratch.set(JAVA_FLOAT, 0, f); checkArg(k, index++, 4); }
                case int[] v when v.length == 8 -> {
                    MemorySegment.copy(v, 0, scratch, JAVA_INT, 0, 8);
                    checkArg(k, index++, 32);
                }
                default -> throw new IllegalArgumentException("unsupported kernel argument " + arg);
            }
        }
        MemorySegment globalSizes = scratch.asSlice(64, 24), localSizes = scratch.asSlice(96, 24);
        for (int d = 0; d < global.length; d++) {
            globalSizes.setAtIndex(JAVA_LONG, d, (global[d] + local[d] - 1) / local[d] * local[d]);
            localSizes.setAtIndex(JAVA_LONG, d, local[d]);
        }
        checkEnqueue(cl.enqueueNDRangeKernel(queue, k.handle(), global.length, globalSizes, localSizes),
                "clEnqueueNDRangeKernel(" + k.name() + ")");
        Reference.reachabilityFence(args);   // no buffer may be released (Cleaner) before the command holds it
    }

    private void setArg(Kernel k, int index, MemorySegment mem) {
        scratch.set(ADDRESS, 0, mem);
        checkArg(k, index, ADDRESS.byteSize());
    }

    private void setArg(Kernel k, int index, int value) {
        scratch.set(JAVA_INT, 0, value);
        checkArg(k, index, 4);
    }

    private void checkArg(Kernel k, int index, long size) {
        OpenCl.check(cl.setKernelArg(k.handle(), index, size, scratch), "clSetKernelArg(" + k.name() + ", " + index + ")");
    }

    // ------------------------------------------------------------------ transfers

    /** Blocking read: waits for everything queued, then copies {@code bytes} at {@code offset} into {@code dst}. */
    synchronized void read(ClBuffer src, long offset, long bytes, MemorySegment dst) {
        checkEnqueue(cl.enqueueReadBuffer(queue, src.mem(), offset, bytes, dst), "clEnqueueReadBuffer");
        Reference.reachabilityFence(src);
    }

    synchronized void copyBuffer(ClBuffer src, long srcOffset, ClBuffer dst, long dstOffset, long bytes) {
        checkEnqueue(cl.enqueueCopyBuffer(queue, src.mem(), dst.mem(), srcOffset, dstOffset, bytes), "clEnqueueCopyBuffer");
        Reference.reachabilityFence(src);
        Reference.reachabilityFence(dst);
    }

    synchronized void fillZero(ClBuffer dst, long bytes) {
        MemorySegment zero = scratch.asSlice(0, 4);
        zero.set(JAVA_INT, 0, 0);
        checkEnqueue(cl.enqueueFillBuffer(queue, dst.mem(), zero, 0, bytes), "clEnqueueFillBuffer");
        Reference.reachabilityFence(dst);
    }

    /** Waits until every queued command has run. */
    synchronized void finish() {
        try { cl.finish(queue); }
        catch (OpenClException e) { throw outOfMemory(e, "clFinish"); }
    }

    private void checkEnqueue(int status, String call) {
        if (status != 0) throw outOfMemory(OpenClException.failed(call, status), call);
    }

    /** Out-of-memory codes become a {@link DeviceMemoryException}; others pass through. */
    private RuntimeException outOfMemory(OpenClException e, String call) {
        if (!ClErrors.isOutOfMemory(e.status())) return e;
        return new DeviceMemoryException(call + " on " + device.name() + " failed with " + ClErrors.name(e.status())
                + ": the device ran out of memory or resources with " + mib(allocated()) + " allocated by this process of "
                + mib(device.globalMemory()) + "; free tensors, use fewer tokens or a smaller model, or --backend cpu");
    }

    // ------------------------------------------------------------------ memory accounting

    long allocated() { return allocated.get(); }

    /** Counts {@code bytes} as allocated unless that would exceed the device's global memory. */
    boolean reserve(long bytes) {
        long now;
        do {
            now = allocated.get();
            if (now + bytes > device.globalMemory()) return false;
        } while (!allocated.compareAndSet(now, now + bytes));
        return true;
    }

    void unreserve(long bytes) { allocated.addAndGet(-bytes); }

    static String mib(long bytes) { return String.format("%.1f MiB", bytes / (1024.0 * 1024)); }
}
