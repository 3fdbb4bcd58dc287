package org.gpt4roi.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.tensor.DType;
import org.gpt4roi.tensor.DeviceMemoryException;
import org.gpt4roi.tensor.HostStorage;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Devices, memory lifetime, the weight cache and error reporting of the opencl backend. */
class OpenClBackendTest {
    @Test void registeredAsOpencl() {
        assertTrue(Backends.names().contains("opencl"), "backends found: " + Backends.names());
        try (OpenClBackend b = OpenClAvailability.backend(); Backend viaName = Backends.create("opencl", 0, 0)) {
            assertEquals("opencl", viaName.name());
            assertTrue(b.describe().contains(b.device().name()), b.describe());
        }
    }

    @Test void devicesListGpusFirstWithIndexes() {
        OpenClAvailability.backend().close();
        List<OpenClDevice> devices = OpenClDevices.list();
        assertFalse(devices.isEmpty());
        for (int i = 0; i < devices.size(); i++) {
            assertEquals(i, devices.get(i).index());
            assertTrue(devices.get(i).globalMemory() > 0 && devices.get(i).computeUnits() > 0, devices.get(i).toString());
            if (i > 0) assertFalse(devices.get(i).isGpu() && !devices.get(i - 1).isGpu(), "a GPU listed after a non-GPU: " + devices);
        }
        OpenClException e = assertThrows(OpenClException.class, () -> new OpenClBackend(devices.size()));
        assertTrue(e.getMessage().contains("no OpenCL device " + devices.size()), e.getMessage());
    }

    @Test void weightsAreUploadedOncePerHostMemoryAndKeepHalfPrecision() {
        try (OpenClBackend b = OpenClAvailability.backend()) {
            Tensor host = Tensor.zeros(DType.F16, 6, 10);
            Tensor sameMemory = new Tensor(DType.F16, host.shape(), host.strides(), 0,
                    new HostStorage(((HostStorage) host.storage()).segment().asSlice(0)));
            Tensor w = b.weight(host);
            assertSame(w, b.weight(host));
            assertSame(w, b.weight(sameMemory), "a new Tensor over the same memory reuses the upload");
            assertEquals(DType.F16, w.dtype());
            assertEquals(DType.F32, b.weight(host.get(1)).dtype(), "vectors (biases, norm weights) become F32");
            assertSame(w, b.weight(w), "a device tensor is its own weight");
        }
    }

    @Test void closeReleasesEveryBufferAndLaterUseFailsClearly() {
        OpenClBackend b = OpenClAvailability.backend();
        Tensor t = b.zeros(1000);
        b.weight(Tensor.zeros(DType.F16, 8, 8));
        assertTrue(b.deviceBytesInUse() >= 4000);
        b.close();
        assertEquals(0, b.deviceBytesInUse());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.relu(t));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test void unreachableTensorsAreFreed() throws InterruptedException {
        try (OpenClBackend b = OpenClAvailability.backend()) {
            long before = b.deviceBytesInUse();
            for (int i = 0; i < 20; i++) b.zeros(256 * 1024);   // 1 MiB each, dropped at once
            for (int i = 0; i < 50 && b.deviceBytesInUse() > before; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(before, b.deviceBytesInUse(), "bytes still held after collection");
        }
    }

    @Test void aTensorLargerThanOneBufferIsADeviceMemoryException() {
        try (OpenClBackend b = OpenClAvailability.backend()) {
            DeviceMemoryException e = assertThrows(DeviceMemoryException.class, () -> b.allocate(b.device().maxAllocation() + 4, null));
            assertTrue(e.getMessage().contains("MiB") && e.getMessage().contains(b.device().name()), e.getMessage());
        }
    }

    @Test void compileErrorsShowTheBuildLog() {
        try (OpenClBackend b = OpenClAvailability.backend()) {
            OpenClException e = assertThrows(OpenClException.class, () -> b.rt.cl.buildProgram(b.rt.context, b.rt.device.handle,
                    "kernel void broken(global float* x) { x[0] = no_such_name; }", "", "broken.cl"));
            assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE") && e.getMessage().contains("broken.cl")
                    && e.getMessage().contains("no_such_name"), e.getMessage());
        }
    }

    @Test void failedCallsNameTheCallAndTheError() {
        assertEquals("CL_INVALID_WORK_GROUP_SIZE (-54)", ClErrors.name(-54));
        assertEquals("unknown OpenCL error (-9999)", ClErrors.name(-9999));
        try (OpenClBackend b = OpenClAvailability.backend()) {
            Tensor t = b.zeros(4, 8);
            OpenClException e = assertThrows(OpenClException.class,
                    () -> b.launch("norms", "", "softmax", new long[] {128}, new long[] {128}, t, 8));  // needs work-groups of 256
            assertTrue(e.getMessage().contains("clEnqueueNDRangeKernel(softmax)")
                    && e.getMessage().contains("CL_INVALID_WORK_GROUP_SIZE"), e.getMessage());
        }
    }

    @Test void badTokenIdsAreInputErrors() {
        try (OpenClBackend b = OpenClAvailability.backend()) {
            Tensor table = b.weight(Tensor.zeros(DType.F16, 10, 4));
            InputException e = assertThrows(InputException.class, () -> b.embedding(table, new int[] {1, 10}));
            assertTrue(e.getMessage().contains("token id 10 at position 1"), e.getMessage());
        }
    }
}
