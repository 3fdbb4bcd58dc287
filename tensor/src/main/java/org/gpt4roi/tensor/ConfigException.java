package org.gpt4roi.tensor;

/** A configuration file or value that is missing, unknown or contradicts the model. */
public class ConfigException extends Gpt4RoiException {
    public ConfigException(String message) { super(message); }
    public ConfigException(String message, Throwable cause) { super(message, cause); }
}
