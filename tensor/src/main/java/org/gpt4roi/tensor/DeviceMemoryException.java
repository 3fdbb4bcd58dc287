package org.gpt4roi.tensor;

/** A backend ran out of memory; the message says how much was needed and how much was available. */
public class DeviceMemoryException extends Gpt4RoiException {
    public DeviceMemoryException(String message) { super(message); }
}
