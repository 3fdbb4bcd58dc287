package org.gpt4roi.server;

/**
 * A request the server answers with an HTTP error: the status, the request field at fault
 * ({@code null} when no single field is) and a message that says what to do.
 * Rendered as {@code {"error": {"status": 400, "field": "boxes[0]", "message": "..."}}}.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String field;
    /** Seconds a client should wait before retrying (the {@code Retry-After} header), or 0. */
    final int retryAfterSeconds;

    ApiException(int status, String field, String message, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException badRequest(String field, String message) { return new ApiException(400, field, message, 0); }

    static ApiException notFound(String field, String message) { return new ApiException(404, field, message, 0); }

    static ApiException conflict(String field, String message) { return new ApiException(409, field, message, 0); }

    static ApiException tooLarge(String field, String message) { return new ApiException(413, field, message, 0); }

    static ApiException busy(String message) { return new ApiException(503, null, message, 1); }
}
