package org.gpt4roi.tensor;

/** A weights, tokenizer or checkpoint file that is missing, truncated, malformed or lies about itself. */
public class ModelFileException extends Gpt4RoiException {
    public ModelFileException(String message) { super(message); }
    public ModelFileException(String message, Throwable cause) { super(message, cause); }
}
