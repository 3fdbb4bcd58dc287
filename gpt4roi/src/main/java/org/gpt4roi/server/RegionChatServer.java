package org.gpt4roi.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gpt4roi.model.Gpt4RoiModel;

/**
 * The HTTP server of {@code gpt4roi serve}: the browser page and the JSON API on one loaded model.
 * <pre>
 * GET  /                 the page (draw boxes, chat)        PageHandler
 * GET  /v1/photos        photos the page offers              PageHandler
 * POST /v1/region-chat   image + boxes + messages → answer  ChatHandler → ModelQueue → ChatTurn
 * GET  /v1/health        status, queue and memory counts
 * </pre>
 * Requests run on virtual threads; model work on the single model thread of {@link ModelQueue}.
 */
public final class RegionChatServer implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService requestThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService janitor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gpt4roi-expiry");
        t.setDaemon(true);
        return t;
    });
    private final ModelQueue queue;
    private final Sessions sessions;
    private final ServerLimits limits;
    private final String modelName;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Binds {@code host:port} (port 0 picks a free one) and starts serving.
     *
     * @param photoDirs folders whose JPEG/PNG files the page offers besides its embedded photo
     */
    public static RegionChatServer start(Gpt4RoiModel model, String modelName, String host, int port,
                                         ServerLimits limits, List<Path> photoDirs) throws IOException {
        return new RegionChatServer(model, modelName, host, port, limits, photoDirs);
    }

    private RegionChatServer(Gpt4RoiModel model, String modelName, String host, int port, ServerLimits limits,
                             List<Path> photoDirs) throws IOException {
        this.limits = limits;
        this.modelName = modelName;
        this.queue = new ModelQueue(limits.maxPending());
        this.sessions = new Sessions(limits);
        ChatTurn turn = new ChatTurn(model, sessions, limits);
        http = HttpServer.create(new InetSocketAddress(host, port), 64);
        http.createContext("/v1/region-chat", new ChatHandler(turn, queue, limits));
        http.createContext("/v1/health", this::health);
        http.createContext("/", new PageHandler(photoDirs));
        http.setExecutor(requestThreads);
        long period = Math.max(1, Math.min(60, limits.idleTimeout().toSeconds() / 4));
        janitor.scheduleAtFixedRate(sessions::expireIdle, period, period, TimeUnit.SECONDS);
        http.start();
    }

    /** The bound port (useful after asking for port 0). */
    public int port() { return http.getAddress().getPort(); }

    /** {@code http://host:port/} */
    public String url() { return "http://" + http.getAddress().getHostString() + ":" + port() + "/"; }

    private void health(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                Http.requireMethod(ex, "GET", "HEAD");
                ObjectNode body = Json.object().put("status", "ok").put("model", modelName);
                body.putObject("queue").put("pending", queue.pending()).put("running", queue.running())
                        .put("capacity", queue.capacity());
                body.put("conversations", sessions.conversationCount()).put("cached_images", sessions.imageCount());
                body.putObject("limits").put("max_request_bytes", limits.maxRequestBytes())
                        .put("max_conversations", limits.maxConversations())
                        .put("idle_timeout_s", limits.idleTimeout().toSeconds())
                        .put("max_boxes", limits.maxBoxes()).put("max_tokens", limits.maxNewTokens());
                Http.sendJson(ex, 200, body);
            } catch (ApiException e) {
                Http.sendError(ex, e);
            }
        }
    }

    /** Stops accepting, lets running exchanges end (up to 2 s), and stops the model thread; a second call does nothing. */
    @Override public void close() {
        if (!closed.compareAndSet(false, true)) return;
        http.stop(2);
        janitor.shutdownNow();
        queue.close();
        requestThreads.shutdownNow();
    }
}
