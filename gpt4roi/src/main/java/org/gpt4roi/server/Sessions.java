package org.gpt4roi.server;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.gpt4roi.chat.Conversation;
import org.gpt4roi.model.ImageContext;

/**
 * What the server remembers between requests, all of it bounded: encoded images by content hash
 * (least recently used dropped first) and conversations by id (dropped when idle too long, or the
 * least recently used when there are too many). Forgetting is the only way memory is freed, so
 * nothing a client does can make it grow past these bounds.
 */
final class Sessions {
    /** An image after the vision and region-pyramid work, shared by every conversation on it. */
    record EncodedImage(String sha256, ImageContext context) {}

    /** A conversation the server holds for its client, known by {@code id}. */
    static final class Session {
        final String id;
        final EncodedImage image;
        final Conversation conversation;
        private long lastUsedNanos;

        private Session(String id, EncodedImage image, Conversation conversation, long now) {
            this.id = id;
            this.image = image;
            this.conversation = conversation;
            this.lastUsedNanos = now;
        }
    }

    private final int maxImages;
    private final int maxConversations;
    private final long idleNanos;
    private final LongSupplier clock;
    private final SecureRandom random = new SecureRandom();
    private final LinkedHashMap<String, EncodedImage> images = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<String, Session> conversations = new LinkedHashMap<>(16, 0.75f, true);

    Sessions(ServerLimits limits) { this(limits.maxCachedImages(), limits.maxConversations(), limits.idleTimeout(), System::nanoTime); }

    Sessions(int maxImages, int maxConversations, Duration idleTimeout, LongSupplier clock) {
        this.maxImages = maxImages;
        this.maxConversations = maxConversations;
        this.idleNanos = idleTimeout.toNanos();
        this.clock = clock;
    }

    /** The encoded image with this hash, or null. */
    synchronized EncodedImage image(String sha256) { return images.get(sha256); }

    synchronized void putImage(EncodedImage image) {
        images.put(image.sha256(), image);
        removeEldest(images, maxImages);
    }

    /** The live conversation {@code id}, marked as used now; a 404 when it is unknown or was forgotten. */
    synchronized Session conversation(String id) {
        expireIdle();
        Session s = conversations.get(id);
        if (s == null)
            throw ApiException.notFound("conversation_id", "conversation '" + (id.length() <= 64 ? id : id.substring(0, 64) + "…")
                    + "' is unknown or has expired "
                    + "(idle conversations are forgotten); start a new one by sending the image again");
        s.lastUsedNanos = clock.getAsLong();
        return s;
    }

    /** Remembers a new conversation under a fresh random id. */
    synchronized Session start(EncodedImage image, Conversation conversation) {
        expireIdle();
        byte[] idBytes = new byte[16];
        random.nextBytes(idBytes);
        Session s = new Session("c_" + Base64.getUrlEncoder().withoutPadding().encodeToString(idBytes), image, conversation,
                clock.getAsLong());
        conversations.put(s.id, s);
        removeEldest(conversations, maxConversations);
        return s;
    }

    synchronized void drop(String id) { conversations.remove(id); }

    /** Forgets conversations idle longer than the timeout; returns how many. */
    synchronized int expireIdle() {
        long now = clock.getAsLong();
        int n = 0;
        for (Iterator<Session> it = conversations.values().iterator(); it.hasNext(); ) {
            if (now - it.next().lastUsedNanos > idleNanos) { it.remove(); n++; }
        }
        return n;
    }

    synchronized int conversationCount() { return conversations.size(); }

    synchronized int imageCount() { return images.size(); }

    private static void removeEldest(LinkedHashMap<String, ?> map, int max) {
        Iterator<? extends Map.Entry<String, ?>> it = map.entrySet().iterator();
        while (map.size() > max && it.hasNext()) { it.next(); it.remove(); }
    }
}
