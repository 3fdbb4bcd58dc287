package org.gpt4roi.tensor;

/** A user input that cannot be used: an unreadable image, a bad box, a prompt too long, ... */
public class InputException extends Gpt4RoiException {
    public InputException(String message) { super(message); }
    public InputException(String message, Throwable cause) { super(message, cause); }
}
