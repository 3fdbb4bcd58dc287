package org.gpt4roi.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every op on opencl against the cpu backend, fresh random inputs of odd sizes, views included. */
class OpenClOpsTest {
    @Test void everyOpMatchesTheCpuBackend() {
        try (OpenClBackend opencl = OpenClAvailability.backend(); Backend cpu = Backends.create("cpu", 2, 0)) {
            List<OpenClOpCheck.Result> results = OpenClOpCheck.run(cpu, opencl, System.nanoTime(), false);
            results.forEach(System.out::println);
            assertAll(results.stream().map(r -> (Executable) () -> assertTrue(r.ok(), r.toString())));
        }
    }
}
