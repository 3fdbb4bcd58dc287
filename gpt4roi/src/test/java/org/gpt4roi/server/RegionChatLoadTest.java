package org.gpt4roi.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Bounded load on loopback against the tiny model: 8 clients × 10 requests (each client starts a
 * conversation on one of two photos with a box, then asks 9 follow-up turns), with room for only 4
 * pending requests. A short warm-up round first fills the server to its bounds (8 conversations,
 * both photos encoded). Every request ends answered; a 503 comes with Retry-After and the client
 * retries; none is lost. Afterwards the server holds no more than its bounds, and the measured round
 * leaves the heap where the warm-up left it. The numbers are printed
 * and written to target/server-load.txt (docs/BENCHMARKS.md "Server load test"); nothing is timed
 * against a threshold.
 */
class RegionChatLoadTest {
    static final int CLIENTS = 8, REQUESTS = 10, WARM_UP_REQUESTS = 2, MAX_PENDING = 4, MAX_CONVERSATIONS = CLIENTS, MAX_TOKENS = 8;
    static final byte[][] PHOTOS = {TestServer.photo("extreme_ironing.jpg"), TestServer.photo("waterview.jpg")};

    final AtomicInteger answered = new AtomicInteger(), busy = new AtomicInteger(), restarted = new AtomicInteger();
    final List<Long> latenciesNanos = Collections.synchronizedList(new ArrayList<>());

    @Test void eightClientsTenRequestsEach() throws Exception {
        ServerLimits limits = new ServerLimits(8L << 20, MAX_PENDING, MAX_CONVERSATIONS, Duration.ofMinutes(10), 2, 16, 16);
        try (TestServer server = new TestServer(limits)) {
            // The warm-up fills the server to its bounds (conversations, cached images) and warms the code;
            // flat memory means the measured round leaves the heap where the warm-up did.
            Round first = round(server, WARM_UP_REQUESTS);
            long heapBefore = usedHeapAfterGc();
            long offHeapBefore = offHeapBytes();
            long rssBefore = rssAnonKiB();
            Round second = round(server, REQUESTS);
            JsonNode health = TestServer.parse(server.get("/v1/health").body());
            long heapAfter = usedHeapAfterGc();
            long offHeapAfter = offHeapBytes();
            long rssAfter = rssAnonKiB();

            assertEquals(CLIENTS * WARM_UP_REQUESTS, first.answered, "every warm-up request answered");
            assertEquals(CLIENTS * REQUESTS, second.answered, "every request answered");
            assertEquals(0, health.at("/queue/pending").asInt(), "queue drained: " + health);
            assertTrue(health.get("conversations").asInt() <= MAX_CONVERSATIONS, "conversations bounded: " + health);
            assertTrue(health.get("cached_images").asInt() <= 2, "images bounded: " + health);
            double growthMiB = (heapAfter - heapBefore) / 1048576.0;
            assertTrue(growthMiB < 16, String.format("heap grew %.1f MiB over %d requests (before %.1f MiB, after %.1f MiB)",
                    growthMiB, CLIENTS * REQUESTS, heapBefore / 1048576.0, heapAfter / 1048576.0));
            double offHeapGrowthMiB = (offHeapAfter - offHeapBefore) / 1048576.0;
            assertTrue(offHeapGrowthMiB < 32, String.format("off-heap memory grew %.1f MiB over %d requests (before %.1f MiB, "
                    + "after %.1f MiB)", offHeapGrowthMiB, CLIENTS * REQUESTS, offHeapBefore / 1048576.0, offHeapAfter / 1048576.0));

            String report = String.format("""
                    clients %d × requests %d (1 new conversation + follow-ups; max_tokens %d, greedy), max pending %d, max conversations %d
                    warm-up (%d per client): %s
                    measured: %s
                    live heap after GC (MiB): after warm-up %.1f, after measured round %.1f, growth %.1f
                    live off-heap (KV caches, activations; MiB): after warm-up %.1f, after measured round %.1f, growth %.1f
                    RssAnon (MiB, includes the committed heap): after warm-up %.1f, after measured round %.1f
                    server after: %s
                    """, CLIENTS, REQUESTS, MAX_TOKENS, MAX_PENDING, MAX_CONVERSATIONS, WARM_UP_REQUESTS, first, second,
                    heapBefore / 1048576.0, heapAfter / 1048576.0, growthMiB, offHeapBefore / 1048576.0, offHeapAfter / 1048576.0,
                    offHeapGrowthMiB, rssBefore / 1024.0, rssAfter / 1024.0, health);
            System.out.print(report);
            Files.writeString(Path.of("target", "server-load.txt"), report);
        }
    }

    /** What one round of load saw. */
    record Round(int answered, int busy, int restarted, double seconds, List<Long> latenciesNanos) {
        @Override public String toString() {
            List<Long> sorted = new ArrayList<>(latenciesNanos);
            Collections.sort(sorted);
            return String.format("answered %d, 503 busy %d (retried), restarted after eviction %d, wall %.2f s, %.1f answers/s, "
                    + "latency ms p50 %.0f p95 %.0f max %.0f", answered, busy, restarted, seconds, answered / seconds,
                    pct(sorted, 50), pct(sorted, 95), pct(sorted, 100));
        }
    }

    private Round round(TestServer server, int requests) throws Exception {
        answered.set(0);
        busy.set(0);
        restarted.set(0);
        latenciesNanos.clear();
        long t0 = System.nanoTime();
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> { client(server, client, requests); return null; }));
            }
            for (Future<?> f : clients) f.get();
        }
        return new Round(answered.get(), busy.get(), restarted.get(), (System.nanoTime() - t0) / 1e9, List.copyOf(latenciesNanos));
    }

    /** One client: a new conversation on a photo, then follow-up turns; 503 → wait and retry; 404 (evicted) → start again. */
    private void client(TestServer server, int client, int requests) throws InterruptedException {
        String conversation = null;
        for (int r = 0; r < requests; r++) {
            boolean startNew = r == 0;
            ObjectNode body = startNew ? first(client) : followUp(conversation, r);
            while (true) {
                long t0 = System.nanoTime();
                HttpResponse<String> res = server.postJson(body);
                if (res.statusCode() == 503) {
                    busy.incrementAndGet();
                    assertEquals("1", res.headers().firstValue("Retry-After").orElse(""), "503 says when to retry");
                    Thread.sleep(50 + client * 10L);       // a real client waits Retry-After (1 s); shorter here to keep the test quick
                    continue;
                }
                if (res.statusCode() == 404 && !startNew) {   // evicted by newer conversations: start again
                    restarted.incrementAndGet();
                    body = first(client);
                    startNew = true;
                    continue;
                }
                assertEquals(200, res.statusCode(), res.body());
                latenciesNanos.add(System.nanoTime() - t0);
                answered.incrementAndGet();
                conversation = TestServer.parse(res.body()).get("conversation_id").asText();
                break;
            }
        }
    }

    private static ObjectNode first(int client) {
        return TestServer.firstTurn(PHOTOS[client % 2], "What is <region1> doing?", MAX_TOKENS, new double[] {20, 30, 300, 260});
    }

    private static ObjectNode followUp(String conversation, int turn) {
        ObjectNode body = Json.object().put("conversation_id", conversation).put("max_tokens", MAX_TOKENS);
        body.putArray("messages").addObject().put("role", "user").put("content", "Turn " + turn + ": and next to <region1>?");
        return body;
    }

    private static double pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return 0;
        int i = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
        return sorted.get(Math.max(0, i)) / 1e6;
    }

    /** Anonymous resident memory of this process (heap and off-heap), from /proc; 0 where there is none. */
    private static long rssAnonKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("RssAnon:")) return Long.parseLong(line.replaceAll("\\D", ""));
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /**
     * Native memory the JDK accounts as "direct": {@code Arena} allocations (the CPU backend's tensors, the
     * KV caches) as well as direct buffers. Read after {@link #usedHeapAfterGc} so dead segments are freed.
     */
    private static long offHeapBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);                          // lets the cleaner free unreachable native segments
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
