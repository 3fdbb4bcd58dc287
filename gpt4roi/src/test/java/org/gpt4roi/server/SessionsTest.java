package org.gpt4roi.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Conversations expire when idle and are bounded in number; encoded images are bounded too. */
class SessionsTest {
    private final AtomicLong now = new AtomicLong();
    private final Sessions sessions = new Sessions(2, 3, Duration.ofSeconds(60), now::get);
    private final Sessions.EncodedImage image = new Sessions.EncodedImage("abc", null);

    @Test void anIdleConversationExpires() {
        Sessions.Session s = sessions.start(image, null);
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertSame(s, sessions.conversation(s.id), "used within the timeout");
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertSame(s, sessions.conversation(s.id), "the last use restarts the idle clock");
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        ApiException e = assertThrows(ApiException.class, () -> sessions.conversation(s.id));
        assertEquals(404, e.status);
        assertEquals("conversation_id", e.field);
        assertEquals(0, sessions.conversationCount());
    }

    @Test void theLeastRecentlyUsedConversationGoesWhenFull() {
        Sessions.Session a = sessions.start(image, null);
        Sessions.Session b = sessions.start(image, null);
        Sessions.Session c = sessions.start(image, null);
        sessions.conversation(a.id);                       // a is now the most recent
        Sessions.Session d = sessions.start(image, null);
        assertEquals(3, sessions.conversationCount());
        assertThrows(ApiException.class, () -> sessions.conversation(b.id));
        assertSame(a, sessions.conversation(a.id));
        assertSame(c, sessions.conversation(c.id));
        assertSame(d, sessions.conversation(d.id));
        assertNotEquals(a.id, d.id);
    }

    @Test void theImageCacheIsBounded() {
        for (String h : new String[] {"1", "2", "3"}) sessions.putImage(new Sessions.EncodedImage(h, null));
        assertEquals(2, sessions.imageCount());
        assertEquals(null, sessions.image("1"));
        assertEquals("3", sessions.image("3").sha256());
    }
}
