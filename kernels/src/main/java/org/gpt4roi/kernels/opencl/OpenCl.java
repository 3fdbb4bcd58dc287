package org.gpt4roi.kernels.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL 1.2 calls this backend uses, bound with {@code java.lang.foreign} over the system's
 * {@code libOpenCL.so.1} (the ICD loader): no JNI, no native build step. Every call checks its
 * status and throws {@link OpenClException} naming the call and the error code.
 *
 * <p>The library is looked for at {@code -Dgpt4roi.opencl.lib} or {@code $GPT4ROI_OPENCL_LIB}
 * first (a file, or a folder holding {@code libOpenCL.so.1}), then by the platform's usual name.
 */
final class OpenCl {
    // ------------------------------------------------------------------ constants (cl.h)
    static final long CL_DEVICE_TYPE_CPU = 1 << 1, CL_DEVICE_TYPE_GPU = 1 << 2,
            CL_DEVICE_TYPE_ACCELERATOR = 1 << 3, CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_PLATFORM_VERSION = 0x0901, CL_PLATFORM_NAME = 0x0902, CL_PLATFORM_VENDOR = 0x0903;
    static final int CL_DEVICE_TYPE = 0x1000, CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002,
            CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004, CL_DEVICE_MAX_CLOCK_FREQUENCY = 0x100C,
            CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010, CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F,
            CL_DEVICE_LOCAL_MEM_SIZE = 0x1023, CL_DEVICE_NAME = 0x102B, CL_DEVICE_VENDOR = 0x102C,
            CL_DRIVER_VERSION = 0x102D, CL_DEVICE_VERSION = 0x102F;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183, CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    static final long CL_MEM_READ_WRITE = 1, CL_MEM_COPY_HOST_PTR = 1 << 5;
    static final int CL_PLATFORM_NOT_FOUND_KHR = -1001;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Object LOCK = new Object();
    private static volatile OpenCl instance;
    private static OpenClException loadFailure;

    /** Where the library was found, for messages. */
    final String libraryPath;
    private final MethodHandle getPlatformIDs, getPlatformInfo, getDeviceIDs, getDeviceInfo,
            createContext, createCommandQueue, createBuffer, releaseMemObject,
            createProgramWithSource, buildProgram, getProgramBuildInfo, createKernel,
            getKernelWorkGroupInfo, setKernelArg, enqueueNDRangeKernel, enqueueReadBuffer,
            enqueueCopyBuffer, enqueueFillBuffer, finish;

    /** The bindings, loading the library on first use; fails with a message saying what was tried. */
    static OpenCl get() {
        OpenCl cl = instance;
        if (cl != null) return cl;
        synchronized (LOCK) {
            if (instance == null && loadFailure == null) {
                try { instance = load(); }
                catch (OpenClException e) { loadFailure = e; }
            }
            if (loadFailure != null) throw loadFailure;
            return instance;
        }
    }

    private static OpenCl load() {
        List<String> tried = new ArrayList<>();
        for (String candidate : libraryCandidates()) {
            tried.add(candidate);
            try {
                return new OpenCl(candidate, SymbolLookup.libraryLookup(candidate, Arena.global()));
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        throw new OpenClException("no OpenCL library found (tried " + String.join(", ", tried) + "); install an "
                + "OpenCL ICD loader and a driver (Debian/Ubuntu: apt install ocl-icd-libopencl1 pocl-opencl-icd), "
                + "or point -Dgpt4roi.opencl.lib / GPT4ROI_OPENCL_LIB at libOpenCL.so.1");
    }

    private static List<String> libraryCandidates() {
        List<String> names = new ArrayList<>();
        String given = System.getProperty("gpt4roi.opencl.lib", System.getenv("GPT4ROI_OPENCL_LIB"));
        if (given != null && !given.isBlank()) {
            Path p = Path.of(given);
            names.add(Files.isDirectory(p) ? p.resolve("libOpenCL.so.1").toString() : given);
        }
        String os = System.getProperty("os.name", "").toLowerCase();
        if (os.contains("mac")) names.add("/System/Library/Frameworks/OpenCL.framework/OpenCL");
        else if (os.contains("win")) names.add("OpenCL.dll");
        else { names.add("libOpenCL.so.1"); names.add("libOpenCL.so"); }
        return names;
    }

    private OpenCl(String libraryPath, SymbolLookup lib) {
        this.libraryPath = libraryPath;
        getPlatformIDs = bind(lib, "clGetPlatformIDs", JAVA_INT, ADDRESS, ADDRESS);
        getPlatformInfo = bind(lib, "clGetPlatformInfo", ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        getDeviceIDs = bind(lib, "clGetDeviceIDs", ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        getDeviceInfo = bind(lib, "clGetDeviceInfo", ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        createContext = bindPtr(lib, "clCreateContext", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        createCommandQueue = bindPtr(lib, "clCreateCommandQueue", ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
        createBuffer = bindPtr(lib, "clCreateBuffer", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
        releaseMemObject = bind(lib, "clReleaseMemObject", ADDRESS);
        createProgramWithSource = bindPtr(lib, "clCreateProgramWithSource", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        buildProgram = bind(lib, "clBuildProgram", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        getProgramBuildInfo = bind(lib, "clGetProgramBuildInfo", ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        createKernel = bindPtr(lib, "clCreateKernel", ADDRESS, ADDRESS, ADDRESS);
        getKernelWorkGroupInfo = bind(lib, "clGetKernelWorkGroupInfo", ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        setKernelArg = bind(lib, "clSetKernelArg", ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS);
        enqueueNDRangeKernel = bind(lib, "clEnqueueNDRangeKernel",
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        enqueueReadBuffer = bind(lib, "clEnqueueReadBuffer",
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        enqueueCopyBuffer = bind(lib, "clEnqueueCopyBuffer",
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        enqueueFillBuffer = bind(lib, "clEnqueueFillBuffer",
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
        finish = bind(lib, "clFinish", ADDRESS);
    }

    /** A function returning {@code cl_int}. */
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(lib, name), FunctionDescriptor.of(JAVA_INT, args));
    }

    /** A function returning an object handle (and its status through the last argument). */
    private static MethodHandle bindPtr(SymbolLookup lib, String name, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(lib, name), FunctionDescriptor.of(ADDRESS, args));
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new OpenClException(
                "the OpenCL library lacks " + name + " (an OpenCL 1.2 loader is needed)"));
    }

    /** Throws {@link OpenClException} unless {@code status} is CL_SUCCESS. */
    static void check(int status, String call) {
        if (status != 0) throw OpenClException.failed(call, status);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    // ------------------------------------------------------------------ platforms and devices

    /** All platform handles; empty when the loader finds no driver (CL_PLATFORM_NOT_FOUND_KHR). */
    List<MemorySegment> platforms() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(JAVA_INT);
            int status = (int) getPlatformIDs.invokeExact(0, MemorySegment.NULL, count);
            if (status == CL_PLATFORM_NOT_FOUND_KHR) return List.of();
            check(status, "clGetPlatformIDs");
            int n = count.get(JAVA_INT, 0);
            if (n == 0) return List.of();
            MemorySegment ids = a.allocate(ADDRESS, n);
            check((int) getPlatformIDs.invokeExact(n, ids, MemorySegment.NULL), "clGetPlatformIDs");
            return handles(ids, n);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** All device handles of one platform (any type); empty when it has none. */
    List<MemorySegment> devices(MemorySegment platform) {
        final int clDeviceNotFound = -1;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(JAVA_INT);
            int status = (int) getDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
            if (status == clDeviceNotFound) return List.of();
            check(status, "clGetDeviceIDs");
            int n = count.get(JAVA_INT, 0);
            MemorySegment ids = a.allocate(ADDRESS, Math.max(1, n));
            check((int) getDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, n, ids, MemorySegment.NULL), "clGetDeviceIDs");
            return handles(ids, n);
        } catch (Throwable t) { throw rethrow(t); }
    }

    private static List<MemorySegment> handles(MemorySegment array, int n) {
        List<MemorySegment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(MemorySegment.ofAddress(array.getAtIndex(ADDRESS, i).address()));
        return out;
    }

    String platformString(MemorySegment platform, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getPlatformInfo.invokeExact(platform, param, 0L, MemorySegment.NULL, size), "clGetPlatformInfo");
            MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check((int) getPlatformInfo.invokeExact(platform, param, buf.byteSize(), buf, MemorySegment.NULL), "clGetPlatformInfo");
            return cString(buf);
        } catch (Throwable t) { throw rethrow(t); }
    }

    String deviceString(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getDeviceInfo.invokeExact(device, param, 0L, MemorySegment.NULL, size), "clGetDeviceInfo");
            MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check((int) getDeviceInfo.invokeExact(device, param, buf.byteSize(), buf, MemorySegment.NULL), "clGetDeviceInfo");
            return cString(buf);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** A cl_ulong, size_t or cl_uint device property (by its size), as a long. */
    long deviceNumber(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_LONG);
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getDeviceInfo.invokeExact(device, param, 8L, value, size), "clGetDeviceInfo");
            return size.get(JAVA_LONG, 0) == 4 ? Integer.toUnsignedLong(value.get(JAVA_INT, 0)) : value.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    private static String cString(MemorySegment buf) {
        long n = 0;
        while (n < buf.byteSize() && buf.get(JAVA_BYTE, n) != 0) n++;
        return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8).trim();
    }

    // ------------------------------------------------------------------ context, queue, memory

    MemorySegment createContext(MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devices = a.allocate(ADDRESS);
            devices.set(ADDRESS, 0, device);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment ctx = (MemorySegment) createContext.invokeExact(MemorySegment.NULL, 1, devices,
                    MemorySegment.NULL, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateContext");
            return ctx;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** An in-order command queue without profiling. */
    MemorySegment createCommandQueue(MemorySegment context, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment queue = (MemorySegment) createCommandQueue.invokeExact(context, device, 0L, err);
            check(err.get(JAVA_INT, 0), "clCreateCommandQueue");
            return queue;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** A read-write buffer; with {@code hostData} non-null its bytes are copied in at once (no queue involved). */
    MemorySegment createBuffer(MemorySegment context, long bytes, MemorySegment hostData) {
        long flags = CL_MEM_READ_WRITE | (hostData != null ? CL_MEM_COPY_HOST_PTR : 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment host = hostData != null ? hostData : MemorySegment.NULL;
            MemorySegment mem = (MemorySegment) createBuffer.invokeExact(context, flags, bytes, host, err);
            check(err.get(JAVA_INT, 0), "clCreateBuffer");
            return mem;
        } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseMemObject(MemorySegment mem) {
        try { check((int) releaseMemObject.invokeExact(mem), "clReleaseMemObject"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    // ------------------------------------------------------------------ programs and kernels

    /** Compiles {@code source}; a compile error becomes an {@link OpenClException} holding the build log. */
    MemorySegment buildProgram(MemorySegment context, MemorySegment device, String source, String options, String nameForErrors) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocateFrom(source);
            MemorySegment strings = a.allocate(ADDRESS);
            strings.set(ADDRESS, 0, text);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment program = (MemorySegment) createProgramWithSource.invokeExact(context, 1, strings, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateProgramWithSource");
            MemorySegment devices = a.allocate(ADDRESS);
            devices.set(ADDRESS, 0, device);
            int status = (int) buildProgram.invokeExact(program, 1, devices, a.allocateFrom(options),
                    MemorySegment.NULL, MemorySegment.NULL);
            if (status != 0) {
                throw new OpenClException("clBuildProgram(" + nameForErrors + ", options \"" + options + "\") failed with "
                        + ClErrors.name(status) + "; build log:\n" + buildLog(program, device), status);
            }
            return program;
        } catch (Throwable t) { throw rethrow(t); }
    }

    private String buildLog(MemorySegment program, MemorySegment device) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size),
                    "clGetProgramBuildInfo");
            MemorySegment log = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check((int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, log.byteSize(), log,
                    MemorySegment.NULL), "clGetProgramBuildInfo");
            return cString(log);
        }
    }

    MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment kernel = (MemorySegment) createKernel.invokeExact(program, a.allocateFrom(name), err);
            check(err.get(JAVA_INT, 0), "clCreateKernel(" + name + ")");
            return kernel;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** The largest work-group this kernel can run with on {@code device} (registers may make it smaller than the device's). */
    long kernelWorkGroupSize(MemorySegment kernel, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_LONG);
            check((int) getKernelWorkGroupInfo.invokeExact(kernel, device, CL_KERNEL_WORK_GROUP_SIZE, 8L, value,
                    MemorySegment.NULL), "clGetKernelWorkGroupInfo");
            return value.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Sets argument {@code index} to the {@code size} bytes at {@code value}. */
    int setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        try { return (int) setKernelArg.invokeExact(kernel, index, size, value); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** Enqueues an ND-range; {@code global} and {@code local} hold {@code dims} size_t values. Returns the status. */
    int enqueueNDRangeKernel(MemorySegment queue, MemorySegment kernel, int dims, MemorySegment global, MemorySegment local) {
        try {
            return (int) enqueueNDRangeKernel.invokeExact(queue, kernel, dims, MemorySegment.NULL, global, local,
                    0, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Blocking read of {@code bytes} from {@code mem} at {@code offset} into host memory {@code dst}. */
    int enqueueReadBuffer(MemorySegment queue, MemorySegment mem, long offset, long bytes, MemorySegment dst) {
        try {
            return (int) enqueueReadBuffer.invokeExact(queue, mem, 1, offset, bytes, dst, 0, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) { throw rethrow(t); }
    }

    int enqueueCopyBuffer(MemorySegment queue, MemorySegment src, MemorySegment dst, long srcOffset, long dstOffset, long bytes) {
        try {
            return (int) enqueueCopyBuffer.invokeExact(queue, src, dst, srcOffset, dstOffset, bytes, 0, MemorySegment.NULL,
                    MemorySegment.NULL);
        } catch (Throwable t) { throw rethrow(t); }
    }

    int enqueueFillBuffer(MemorySegment queue, MemorySegment mem, MemorySegment pattern, long offset, long bytes) {
        try {
            return (int) enqueueFillBuffer.invokeExact(queue, mem, pattern, pattern.byteSize(), offset, bytes, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Waits until everything enqueued so far has run. */
    void finish(MemorySegment queue) {
        try { check((int) finish.invokeExact(queue), "clFinish"); }
        catch (Throwable t) { throw rethrow(t); }
    }
}
