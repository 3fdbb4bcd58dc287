package org.gpt4roi.app;

import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.gpt4roi.llama.LlamaConfig;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.server.RegionChatServer;
import org.gpt4roi.server.ServerLimits;
import org.gpt4roi.tensor.InputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gpt4roi serve}: the browser page and the JSON API on one loaded model, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve a web page (upload an image, draw boxes, chat about them) and a JSON API",
                "(POST /v1/region-chat, GET /v1/health; see the README's \"HTTP API\").",
                "Uses the bundled tiny model (random weights, gibberish answers) unless --model is given."})
final class ServeCommand implements Callable<Integer> {
    @Mixin ModelOptions model = new ModelOptions();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 = all).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--queue", defaultValue = "16",
            description = "Chat requests admitted at once, running or waiting; more get 503 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-conversations", defaultValue = "0",
            description = "Conversations kept, each holding a whole-context KV cache; 0 = as many as fit in half the "
                    + "Java heap limit, 1 to 8 (default).")
    int maxConversations;

    @Option(names = "--idle-minutes", defaultValue = "30", description = "Forget a conversation unused this long (default: ${DEFAULT-VALUE}).")
    long idleMinutes;

    @Option(names = "--max-request-mb", defaultValue = "32", description = "Largest request body in MiB (default: ${DEFAULT-VALUE}).")
    long maxRequestMb;

    @Option(names = "--request-timeout", defaultValue = "60",
            description = "Seconds a client may take to send a request's headers and body (default: ${DEFAULT-VALUE}).")
    long requestTimeout;

    @Option(names = "--max-tokens", defaultValue = "512", description = "Largest max_tokens a request may ask for (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--photos", paramLabel = "DIR",
            description = "Folder of JPEG/PNG photos the page offers (repeatable; default: the distribution's share/).")
    List<Path> photos = new ArrayList<>();

    @Override public Integer call() throws Exception {
        if (queue < 1 || idleMinutes < 1 || maxRequestMb < 1 || maxTokens < 1 || requestTimeout < 1 || maxConversations < 0)
            throw new InputException("--queue, --idle-minutes, --max-request-mb, --max-tokens and --request-timeout must be ≥ 1, "
                    + "--max-conversations ≥ 0");
        // The JDK server drops a connection whose request is not read in full within this time, so slow or
        // stalled senders cannot keep their place in the queue. Read once, when the first server starts.
        System.setProperty("sun.net.httpserver.maxReqTime", Long.toString(requestTimeout));
        Gpt4RoiModel loaded = model.load(System.err);
        int conversations = maxConversations > 0 ? maxConversations : conversationsThatFit(loaded.dir.llama());
        ServerLimits limits = new ServerLimits(maxRequestMb << 20, queue, conversations, Duration.ofMinutes(idleMinutes),
                ServerLimits.DEFAULT.maxCachedImages(), ServerLimits.DEFAULT.maxBoxes(), maxTokens);

        RegionChatServer started;
        try {
            started = RegionChatServer.start(loaded, loaded.dir.dir().getFileName().toString(), host, port, limits, photoDirs());
        } catch (BindException e) {
            throw new InputException("cannot listen on " + host + ":" + port + " (" + e.getMessage() + "); pick another --port or --host");
        }
        try (RegionChatServer server = started) {
            System.err.printf("up to %d conversations (KV cache %.0f MiB each), %d queued requests%n", conversations,
                    kvCacheBytes(loaded.dir.llama()) / 1048576.0, queue);
            System.out.println("gpt4roi serve: " + server.url() + "  (API: POST " + server.url() + "v1/region-chat; Ctrl-C stops)");
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> { server.close(); stopped.countDown(); }));
            stopped.await();
        }
        return 0;
    }

    private List<Path> photoDirs() {
        if (!photos.isEmpty()) return photos;
        String home = System.getProperty("gpt4roi.home");
        if (home != null && Files.isDirectory(Path.of(home, "share"))) return List.of(Path.of(home, "share"));
        return List.of(Path.of("testdata", "images"));
    }

    /** Keys and values, F32, of every layer for the whole context: what each conversation holds. */
    private static long kvCacheBytes(LlamaConfig c) { return 2L * c.layers() * c.maxPositions() * c.hidden() * Float.BYTES; }

    /** Half the Java heap limit (which also bounds off-heap allocations) over one KV cache, between 1 and 8. */
    private static int conversationsThatFit(LlamaConfig c) {
        long fit = Runtime.getRuntime().maxMemory() / 2 / kvCacheBytes(c);
        return (int) Math.max(1, Math.min(8, fit));
    }
}
