package org.gpt4roi.kernels.opencl;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Opens OpenCL device 0 for a test. Without an OpenCL library or platform the test is skipped with
 * the reason, unless GPT4ROI_REQUIRE_OPENCL=1 (CI), where that is a failure.
 */
final class OpenClAvailability {
    private OpenClAvailability() {}

    static boolean required() { return "1".equals(System.getenv("GPT4ROI_REQUIRE_OPENCL")); }

    static OpenClBackend backend() {
        try {
            return new OpenClBackend(0);
        } catch (OpenClException e) {
            String why = "OpenCL unavailable: " + e.getMessage();
            if (required()) fail(why + " (GPT4ROI_REQUIRE_OPENCL=1 makes this a failure)");
            abort(why + " (set GPT4ROI_REQUIRE_OPENCL=1 to make this a failure)");
            throw e;
        }
    }
}
