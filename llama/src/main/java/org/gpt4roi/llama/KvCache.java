package org.gpt4roi.llama;

import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Tensor;

/**
 * Keys (after RoPE) and values of every position seen so far, per layer, on the model's backend.
 * All memory is allocated up front for {@link #capacity()} positions; {@link #length()} positions
 * are filled. {@link #truncate} rolls a conversation back (the next forward pass overwrites).
 */
public final class KvCache {
    private final Tensor[] keys;     // per layer [capacity, D]
    private final Tensor[] values;   // per layer [capacity, D]
    private final int capacity;
    private final long bytes;
    private int length;

    KvCache(Backend backend, int layers, int capacity, int hidden) {
        this.capacity = capacity;
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = backend.zeros(capacity, hidden);
            values[l] = backend.zeros(capacity, hidden);
        }
        this.bytes = 2L * layers * capacity * hidden * Float.BYTES;
    }

    /** Positions filled. */
    public int length() { return length; }

    /** Positions the cache can hold. */
    public int capacity() { return capacity; }

    /** Memory held, in bytes (F32 keys and values of all layers). */
    public long bytes() { return bytes; }

    /** Forgets every position from {@code n} on; {@code 0 ≤ n ≤ length()}. */
    public void truncate(int n) {
        if (n < 0 || n > length) throw new IllegalArgumentException("cannot truncate a cache of " + length + " positions to " + n);
        length = n;
    }

    /** Keys of {@code layer}, positions {@code [from, to)}: a view {@code [to-from, D]}. */
    Tensor keys(int layer, int from, int to) { return keys[layer].slice(0, from, to); }

    /** Values of {@code layer}, positions {@code [from, to)}: a view {@code [to-from, D]}. */
    Tensor values(int layer, int from, int to) { return values[layer].slice(0, from, to); }

    /** Checks that {@code tokens} more positions fit; an {@link InputException} that gives both numbers otherwise. */
    void checkRoom(int tokens) {
        if (length + tokens > capacity)
            throw new InputException("the conversation needs " + (length + tokens) + " tokens (" + length + " so far + "
                    + tokens + " new) but the context holds at most " + capacity
                    + "; start a new conversation or shorten the prompt");
    }

    /** Marks {@code tokens} more positions as filled. */
    void advance(int tokens) {
        checkRoom(tokens);
        length += tokens;
    }
}
