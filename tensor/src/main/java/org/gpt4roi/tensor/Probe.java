package org.gpt4roi.tensor;

/**
 * Receives named intermediate tensors during a forward pass (for {@code dump} and stage tests).
 * Names follow the golden list of the reference (for example {@code spi.fused.0}). Passing
 * {@link #NONE} costs nothing.
 */
@FunctionalInterface
public interface Probe {
    Probe NONE = (name, t) -> {};

    /** {@code t} lives on the model's backend; a probe that keeps it must download it. */
    void accept(String name, Tensor t);

    default boolean active() { return this != NONE; }
}
