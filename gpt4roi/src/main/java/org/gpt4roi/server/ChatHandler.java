package org.gpt4roi.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code POST /v1/region-chat}: admit (or 503), read the bounded body, parse, run the turn on the
 * model thread, and answer with one JSON or, with {@code "stream": true} or
 * {@code Accept: text/event-stream}, with server-sent events:
 * <pre>
 * event: text   data: {"text": "..."}      one per decoded piece of the answer
 * event: done   data: {the one-JSON answer}
 * event: error  data: {"error": {...}}      a failure after the first text event
 * </pre>
 * The model thread never writes to a socket: it hands text to a queue this (request) thread drains,
 * so a slow client cannot stall the model; a client that has gone stops its generation.
 */
final class ChatHandler implements HttpHandler {
    private final ChatTurn turn;
    private final ModelQueue queue;
    private final ServerLimits limits;

    ChatHandler(ChatTurn turn, ModelQueue queue, ServerLimits limits) {
        this.turn = turn;
        this.queue = queue;
        this.limits = limits;
    }

    /** What the model thread hands to the request thread: a piece of text, the answer, or a failure. */
    private sealed interface Event {}
    private record Text(String text) implements Event {}
    private record Done(ObjectNode answer) implements Event {}
    private record Failed(ApiException error) implements Event {}

    @Override public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                Http.requireMethod(ex, "POST");
                try (ModelQueue.Ticket ticket = admit(ex)) {
                    ChatRequest request = ChatRequest.parse(ex.getRequestHeaders().getFirst("Content-Type"),
                            Http.readBody(ex, limits.maxRequestBytes()), limits);
                    String accept = ex.getRequestHeaders().getFirst("Accept");
                    if (request.stream() || (accept != null && accept.contains("text/event-stream"))) stream(ex, request);
                    else Http.sendJson(ex, 200, join(queue.submit(() -> turn.run(request, text -> {}))));
                }
            } catch (ApiException e) {
                Http.sendError(ex, e);
            }
        }
    }

    /**
     * A place in the queue, or a 503 once the body has been read and dropped: a client refused while
     * still sending would see its connection reset instead of the answer that says "retry".
     */
    private ModelQueue.Ticket admit(HttpExchange ex) throws IOException {
        try {
            return queue.admit();
        } catch (ApiException busy) {
            Http.discardBody(ex, limits.maxRequestBytes());
            throw busy;
        }
    }

    private void stream(HttpExchange ex, ChatRequest request) throws IOException {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();   // at most max_tokens pieces
        AtomicBoolean clientGone = new AtomicBoolean();
        Future<?> work = queue.submit(() -> {
            try {
                events.add(new Done(turn.run(request, text -> {
                    if (clientGone.get()) throw new ChatTurn.ClientGone();
                    events.add(new Text(text));
                })));
            } catch (ApiException e) {
                events.add(new Failed(e));
            } catch (ChatTurn.ClientGone gone) {
                // nobody is listening any more
            } catch (Throwable t) {
                events.add(new Failed(ChatTurn.internalError(t)));
            }
            return null;
        });
        SseStream sse = null;
        try {
            while (true) {
                Event e = take(events);
                if (e instanceof Failed(ApiException error) && sse == null) {
                    Http.sendError(ex, error);
                    return;
                }
                if (sse == null) sse = SseStream.open(ex);
                switch (e) {
                    case Text(String text) -> sse.send("text", Json.object().put("text", text));
                    case Done(ObjectNode answer) -> { sse.send("done", answer); return; }
                    case Failed(ApiException error) -> { sse.send("error", Json.error(error)); return; }
                }
            }
        } catch (IOException gone) {
            clientGone.set(true);          // the model thread stops at its next piece of text
        } finally {
            join(work);                    // keep the queue place until the model is done with this request
        }
    }

    /** Waits for the model thread to finish {@code work}, whatever interrupts come (the queue place is held till then). */
    private static <T> T join(Future<T> work) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return work.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof ApiException api ? api : ChatTurn.internalError(e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static Event take(BlockingQueue<Event> events) {
        boolean interrupted = false;
        try {
            while (true) {
                try { return events.take(); }
                catch (InterruptedException e) { interrupted = true; }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
