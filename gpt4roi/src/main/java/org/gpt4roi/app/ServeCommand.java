package org.gpt4roi.app;

import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.ModelDirectory;
import org.gpt4roi.server.RegionChatServer;
import org.gpt4roi.server.ServerLimits;
import org.gpt4roi.tensor.InputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gpt4roi serve}: the browser page and the JSON API on one loaded model, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a web page (draw boxes on an image and chat) and a JSON API (POST /v1/region-chat).")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model directory (config.json, weights, tokenizer).")
    Path model;

    @Option(names = "--vision", description = "CLIP directory, overriding mm_vision_tower of the model's config.")
    Path vision;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or opencl (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (0 = all cores).")
    int threads;

    @Option(names = "--device", defaultValue = "0", description = "OpenCL device index.")
    int device;

    @Option(names = "--queue", defaultValue = "16", description = "Chat requests admitted at once (running or waiting); more get 503 (default ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-conversations", defaultValue = "8", description = "Conversations kept, each with its KV cache (default ${DEFAULT-VALUE}).")
    int maxConversations;

    @Option(names = "--idle-minutes", defaultValue = "30", description = "Forget a conversation unused this long (default ${DEFAULT-VALUE}).")
    long idleMinutes;

    @Option(names = "--max-request-mb", defaultValue = "32", description = "Largest request body in MiB (default ${DEFAULT-VALUE}).")
    long maxRequestMb;

    @Option(names = "--max-tokens", defaultValue = "512", description = "Largest max_tokens a request may ask for (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--photos", description = "Folder of photos the page offers (default: the distribution's share/).")
    List<Path> photos = new ArrayList<>();

    @Override public Integer call() throws Exception {
        ServerLimits defaults = ServerLimits.DEFAULT;
        ServerLimits limits = new ServerLimits(maxRequestMb << 20, queue, maxConversations, Duration.ofMinutes(idleMinutes),
                defaults.maxCachedImages(), defaults.maxBoxes(), maxTokens);
        if (photos.isEmpty() && System.getProperty("gpt4roi.home") != null)
            photos.add(Path.of(System.getProperty("gpt4roi.home"), "share"));

        System.err.println("loading " + model + " ...");
        Gpt4RoiModel loaded = Gpt4RoiModel.load(ModelDirectory.open(model, vision), Backends.create(backend, threads, device));
        RegionChatServer started;
        try {
            started = RegionChatServer.start(loaded, model.getFileName().toString(), host, port, limits, photos);
        } catch (BindException e) {
            throw new InputException("cannot listen on " + host + ":" + port + " (" + e.getMessage() + "); pick another --port or --host");
        }
        try (RegionChatServer server = started) {
            System.out.println("gpt4roi serve: " + server.url() + "  (API: POST " + server.url() + "v1/region-chat; Ctrl-C stops)");
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> { server.close(); stopped.countDown(); }));
            stopped.await();
        }
        return 0;
    }
}
