package org.gpt4roi.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Reading bounded request bodies and writing JSON answers on a {@link HttpExchange}. */
final class Http {
    private Http() {}

    /** The request body, refused with a 413 past {@code limit} bytes (by Content-Length or while reading). */
    static byte[] readBody(HttpExchange ex, long limit) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long n;
            try { n = Long.parseLong(declared.strip()); }
            catch (NumberFormatException e) { throw ApiException.badRequest(null, "Content-Length '" + declared + "' is not a number"); }
            if (n > limit) throw tooLarge(limit);
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (body.length > limit) throw tooLarge(limit);
            return body;
        }
    }

    /** Reads and drops up to {@code limit} bytes of the request body, holding 64 KiB at a time. */
    static void discardBody(HttpExchange ex, long limit) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] sink = new byte[64 << 10];
            long left = limit;
            for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) left -= n;
        }
    }

    private static ApiException tooLarge(long limit) {
        return ApiException.tooLarge("image", "the request is larger than the server's limit of " + mib(limit)
                + " (serve --max-request-mb); send a smaller or more compressed image");
    }

    static String mib(long bytes) { return String.format("%.1f MiB", bytes / 1048576.0); }

    static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) { out.write(bytes); }
    }

    static void sendError(HttpExchange ex, ApiException e) throws IOException {
        // A 413 leaves the body unread, and the server then drops the connection: say so, or a client
        // that pools connections sends its next request on a dead one ("connection reset").
        if (e.status == 413) ex.getResponseHeaders().set("Connection", "close");
        if (e.retryAfterSeconds > 0) ex.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfterSeconds));
        sendJson(ex, e.status, Json.error(e));
    }

    static void sendBytes(HttpExchange ex, String contentType, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) { out.write(bytes); }
    }

    /** 405 unless the method is one of {@code allowed}. */
    static void requireMethod(HttpExchange ex, String... allowed) {
        for (String m : allowed) if (ex.getRequestMethod().equals(m)) return;
        ex.getResponseHeaders().set("Allow", String.join(", ", allowed));
        throw new ApiException(405, null, ex.getRequestMethod() + " " + ex.getRequestURI().getPath()
                + " is not served; use " + String.join(" or ", allowed), 0);
    }
}
