package org.gpt4roi.kernels.opencl;

import org.gpt4roi.tensor.Gpt4RoiException;

/** An OpenCL call failed, or OpenCL is missing; the message names the call and the error code. */
public class OpenClException extends Gpt4RoiException {
    private final int status;

    OpenClException(String message) { this(message, 0); }

    OpenClException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** {@code call} returned {@code status}. */
    static OpenClException failed(String call, int status) {
        return new OpenClException(call + " failed with " + ClErrors.name(status), status);
    }

    /** The OpenCL status code (0 when the failure was not a status code). */
    public int status() { return status; }
}
