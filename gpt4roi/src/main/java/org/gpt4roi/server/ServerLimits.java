package org.gpt4roi.server;

import java.time.Duration;

/**
 * The bounds that keep one model server within its memory and time, whatever clients send.
 *
 * @param maxRequestBytes  largest request body (the image is most of it); larger ones get 413
 * @param maxPending       chat requests admitted at once, running or waiting for the model; more get 503
 * @param maxConversations conversations kept (each holds its KV cache); the least recently used goes first
 * @param idleTimeout      a conversation unused this long is forgotten
 * @param maxCachedImages  encoded images kept by content hash for new conversations on the same image
 * @param maxBoxes         boxes one conversation may hold
 * @param maxNewTokens     largest {@code max_tokens} a request may ask for
 */
public record ServerLimits(long maxRequestBytes, int maxPending, int maxConversations, Duration idleTimeout,
                           int maxCachedImages, int maxBoxes, int maxNewTokens) {
    /** 32 MiB requests, 16 pending, 8 conversations idle up to 30 min, 4 images, 64 boxes, 512 tokens. */
    public static final ServerLimits DEFAULT =
            new ServerLimits(32L << 20, 16, 8, Duration.ofMinutes(30), 4, 64, 512);

    public ServerLimits {
        if (maxRequestBytes < 1024 || maxPending < 1 || maxConversations < 1 || idleTimeout.isNegative()
                || idleTimeout.isZero() || maxCachedImages < 1 || maxBoxes < 1 || maxNewTokens < 1)
            throw new IllegalArgumentException("server limits must be positive (requests at least 1 KiB): maxRequestBytes="
                    + maxRequestBytes + " maxPending=" + maxPending + " maxConversations=" + maxConversations + " idleTimeout="
                    + idleTimeout + " maxCachedImages=" + maxCachedImages + " maxBoxes=" + maxBoxes + " maxNewTokens=" + maxNewTokens);
    }
}
