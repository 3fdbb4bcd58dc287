package org.gpt4roi.kernels.opencl;

import java.lang.foreign.MemorySegment;

/**
 * One OpenCL device as {@code gpt4roi devices} lists it; {@link #index} is what {@code --device} takes.
 * Memory sizes are in bytes.
 */
public final class OpenClDevice {
    private final int index;
    private final String name, type, platform, version;
    private final long globalMemory, maxAllocation, localMemory, maxWorkGroupSize;
    private final int computeUnits, clockMhz;
    final MemorySegment handle;

    OpenClDevice(int index, OpenClDevice d) {
        this(index, d.handle, d.name, d.type, d.platform, d.version, d.globalMemory, d.maxAllocation, d.localMemory,
                d.maxWorkGroupSize, d.computeUnits, d.clockMhz);
    }

    OpenClDevice(int index, MemorySegment handle, String name, String type, String platform, String version,
                 long globalMemory, long maxAllocation, long localMemory, long maxWorkGroupSize, int computeUnits, int clockMhz) {
        this.index = index;
        this.handle = handle;
        this.name = name;
        this.type = type;
        this.platform = platform;
        this.version = version;
        this.globalMemory = globalMemory;
        this.maxAllocation = maxAllocation;
        this.localMemory = localMemory;
        this.maxWorkGroupSize = maxWorkGroupSize;
        this.computeUnits = computeUnits;
        this.clockMhz = clockMhz;
    }

    public int index() { return index; }
    public String name() { return name; }
    /** "GPU", "CPU", "accelerator" or "other". */
    public String type() { return type; }
    public String platform() { return platform; }
    /** The device's OpenCL version string, e.g. "OpenCL 3.0 CUDA". */
    public String version() { return version; }
    public long globalMemory() { return globalMemory; }
    /** The largest single buffer the device allows. */
    public long maxAllocation() { return maxAllocation; }
    public long localMemory() { return localMemory; }
    public long maxWorkGroupSize() { return maxWorkGroupSize; }
    public int computeUnits() { return computeUnits; }
    public int clockMhz() { return clockMhz; }
    public boolean isGpu() { return type.equals("GPU"); }

    /** {@code NVIDIA H200 (GPU, NVIDIA CUDA, 139.8 GiB, 132 compute units)}. */
    @Override public String toString() {
        return name + " (" + type + ", " + platform + ", " + gib(globalMemory) + ", " + computeUnits + " compute units)";
    }

    static String gib(long bytes) { return String.format("%.1f GiB", bytes / (1024.0 * 1024 * 1024)); }
}
