package org.gpt4roi.app;

import java.util.List;
import java.util.concurrent.Callable;
import org.gpt4roi.kernels.opencl.OpenClDevice;
import org.gpt4roi.kernels.opencl.OpenClDevices;
import org.gpt4roi.kernels.opencl.OpenClException;
import picocli.CommandLine.Command;

/** {@code gpt4roi devices}: the OpenCL devices {@code --backend opencl --device N} can use. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the OpenCL platforms and devices (the N of --backend opencl --device N).")
final class DevicesCommand implements Callable<Integer> {
    @Override public Integer call() {
        List<OpenClDevice> devices;
        try {
            devices = OpenClDevices.list();
        } catch (OpenClException e) {
            System.out.println("OpenCL is not available: " + e.getMessage());
            System.out.println("The cpu backend (the default) needs nothing more.");
            return 1;
        }
        System.out.println("OpenCL library: " + OpenClDevices.library());
        if (devices.isEmpty()) {
            System.out.println("No OpenCL platform or device found. Install a driver (Debian/Ubuntu: pocl-opencl-icd for the CPU, "
                    + "or the GPU vendor's OpenCL ICD) or point OCL_ICD_VENDORS at a folder of .icd files.");
            return 1;
        }
        String row = "%-3s %-5s %-40s %-32s %12s %12s %6s  %s%n";
        System.out.printf(row, "#", "type", "name", "platform", "memory", "max buffer", "units", "version");
        for (OpenClDevice d : devices)
            System.out.printf(row, d.index(), d.type(), d.name(), d.platform(), gib(d.globalMemory()), gib(d.maxAllocation()),
                    d.computeUnits(), d.version());
        return 0;
    }

    private static String gib(long bytes) { return String.format("%.1f GiB", bytes / (1024.0 * 1024 * 1024)); }
}
