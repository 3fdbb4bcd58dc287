package org.gpt4roi.tensor;

/**
 * Base of the project's errors. Each subclass is one kind of failure; its message says what is
 * wrong, where, and (when it can) what to do. The command line prints the message, not the trace.
 */
public class Gpt4RoiException extends RuntimeException {
    public Gpt4RoiException(String message) { super(message); }
    public Gpt4RoiException(String message, Throwable cause) { super(message, cause); }
}
