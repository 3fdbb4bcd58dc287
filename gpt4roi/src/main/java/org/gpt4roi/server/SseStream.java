package org.gpt4roi.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A {@code text/event-stream} response: {@code event: NAME\ndata: JSON\n\n}, flushed per event.
 * Opening it sends the 200 status, so errors found before the first event are answered as plain JSON.
 */
final class SseStream {
    private final OutputStream out;

    private SseStream(OutputStream out) { this.out = out; }

    static SseStream open(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Accel-Buffering", "no");
        ex.sendResponseHeaders(200, 0);                 // 0 = chunked, length unknown
        return new SseStream(ex.getResponseBody());
    }

    /** Writes one event; an IOException means the client has gone. */
    void send(String event, JsonNode data) throws IOException {
        // JSON from Jackson holds no raw newline, so one data: line carries it.
        out.write(("event: " + event + "\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
