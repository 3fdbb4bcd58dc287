package org.gpt4roi.kernels.opencl;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Finds the OpenCL devices of every platform, in the order {@code --device N} counts them. */
public final class OpenClDevices {
    private OpenClDevices() {}

    /**
     * Every device of every platform: GPUs first, then the others, each kind in platform order then
     * device order (a stable order for a given machine). Empty when the library finds no platform;
     * an {@link OpenClException} when there is no OpenCL library at all.
     */
    public static List<OpenClDevice> list() {
        OpenCl cl = OpenCl.get();
        List<OpenClDevice> found = new ArrayList<>();
        for (MemorySegment platform : cl.platforms()) {
            String platformName = cl.platformString(platform, OpenCl.CL_PLATFORM_NAME);
            for (MemorySegment device : cl.devices(platform)) found.add(describe(cl, platformName, device));
        }
        List<OpenClDevice> ordered = new ArrayList<>(found);
        ordered.sort(Comparator.comparing(d -> !d.isGpu())); // stable: keeps platform/device order within each kind
        List<OpenClDevice> indexed = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) indexed.add(new OpenClDevice(i, ordered.get(i)));
        return indexed;
    }

    /** The OpenCL library in use (a path or a name the dynamic linker resolved); an {@link OpenClException} when none is found. */
    public static String library() { return OpenCl.get().libraryPath; }

    /** Device {@code index} of {@link #list()}; a clear error when there is none. */
    public static OpenClDevice get(int index) {
        List<OpenClDevice> all = list();
        if (all.isEmpty())
            throw new OpenClException("no OpenCL platform found by " + OpenCl.get().libraryPath
                    + " (is a driver installed? Debian/Ubuntu: apt install pocl-opencl-icd for the CPU, or the GPU vendor's "
                    + "OpenCL ICD; OCL_ICD_VENDORS may point at a folder of .icd files)");
        if (index < 0 || index >= all.size())
            throw new OpenClException("no OpenCL device " + index + "; there are " + all.size() + " (0.." + (all.size() - 1)
                    + "), see `gpt4roi devices`");
        return all.get(index);
    }

    private static OpenClDevice describe(OpenCl cl, String platform, MemorySegment device) {
        long type = cl.deviceNumber(device, OpenCl.CL_DEVICE_TYPE);
        String typeName = (type & OpenCl.CL_DEVICE_TYPE_GPU) != 0 ? "GPU"
                : (type & OpenCl.CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
                : (type & OpenCl.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
        return new OpenClDevice(-1, device,
                cl.deviceString(device, OpenCl.CL_DEVICE_NAME), typeName, platform,
                cl.deviceString(device, OpenCl.CL_DEVICE_VERSION),
                cl.deviceNumber(device, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                cl.deviceNumber(device, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                cl.deviceNumber(device, OpenCl.CL_DEVICE_LOCAL_MEM_SIZE),
                cl.deviceNumber(device, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                (int) cl.deviceNumber(device, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS),
                (int) cl.deviceNumber(device, OpenCl.CL_DEVICE_MAX_CLOCK_FREQUENCY));
    }
}
