package org.gpt4roi.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * Bounded load on loopback: 8 clients × 10 requests (new conversations on two photos, each followed
 * by a second turn) against the tiny model, with room for only 4 pending requests, in two rounds.
 * Every request ends answered; a 503 comes with Retry-After and the client retries; none is lost.
 * Afterwards the server holds no more than its bounds, and the second round leaves the heap where
 * the first did. The numbers are printed
 * and written to target/server-load.txt (docs/BENCHMARKS.md "Server load test"); nothing is timed
 * against a threshold.
 */
class RegionChatLoadTest {
    static final int CLIENTS = 8, REQUESTS = 10, MAX_PENDING = 4, MAX_CONVERSATIONS = 16, MAX_TOKENS = 8;
    static final byte[][] PHOTOS = {TestServer.photo("extreme_ironing.jpg"), TestServer.photo("waterview.jpg")};

    final AtomicInteger answered = new AtomicInteger(), busy = new AtomicInteger(), restarted = new AtomicInteger();
    final List<Long> latenciesNanos = Collections.synchronizedList(new ArrayList<>());

    @Test void eightClientsTenRequestsEach() throws Exception {
        ServerLimits limits = new ServerLimits(8L << 20, MAX_PENDING, MAX_CONVERSATIONS, Duration.ofMinutes(10), 2, 16, 16);
        try (TestServer server = new TestServer(limits)) {
            // Round 1 fills the server to its bounds (conversations, cached images) and warms the code;
            // round 2 is measured: flat memory means round 2 leaves the heap where round 1 did.
            Round first = round(server);
            long heapBefore = usedHeapAfterGc();
            long rssBefore = rssAnonKiB();
            Round second = round(server);
            JsonNode health = TestServer.parse(server.get("/v1/health").body());
            long heapAfter = usedHeapAfterGc();
            long rssAfter = rssAnonKiB();

            for (Round r : List.of(first, second)) assertEquals(CLIENTS * REQUESTS, r.answered, "every request answered");
            assertEquals(0, health.at("/queue/pending").asInt(), "queue drained: " + health);
            assertTrue(health.get("conversations").asInt() <= MAX_CONVERSATIONS, "conversations bounded: " + health);
            assertTrue(health.get("cached_images").asInt() <= 2, "images bounded: " + health);
            double growthMiB = (heapAfter - heapBefore) / 1048576.0;
            assertTrue(growthMiB < 16, String.format("heap grew %.1f MiB over round 2's %d requests (before %.1f MiB, after %.1f MiB)",
                    growthMiB, CLIENTS * REQUESTS, heapBefore / 1048576.0, heapAfter / 1048576.0));

            String report = String.format("""
                    clients %d × requests %d per round (max_tokens %d, greedy), max pending %d, max conversations %d
                    round 1: %s
                    round 2: %s
                    live heap after GC (MiB): after round 1 %.1f, after round 2 %.1f, growth %.1f
                    RssAnon (MiB): after round 1 %.1f, after round 2 %.1f
                    server after: %s
                    """, CLIENTS, REQUESTS, MAX_TOKENS, MAX_PENDING, MAX_CONVERSATIONS, first, second,
                    heapBefore / 1048576.0, heapAfter / 1048576.0, growthMiB, rssBefore / 1024.0, rssAfter / 1024.0, health);
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

    private Round round(TestServer server) throws Exception {
        answered.set(0);
        busy.set(0);
        restarted.set(0);
        latenciesNanos.clear();
        long t0 = System.nanoTime();
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> { client(server, client, REQUESTS); return null; }));
            }
            for (Future<?> f : clients) f.get();
        }
        return new Round(answered.get(), busy.get(), restarted.get(), (System.nanoTime() - t0) / 1e9, List.copyOf(latenciesNanos));
    }

    /** One client: a new conversation on a photo, then a second turn, repeated; 503 → wait and retry. */
    private void client(TestServer server, int client, int requests) throws InterruptedException {
        String conversation = null;
        for (int r = 0; r < requests; r++) {
            boolean startNew = r % 2 == 0 || conversation == null;
            ObjectNode body = startNew
                    ? TestServer.firstTurn(PHOTOS[(client + r / 2) % 2], "What is <region1> doing?", MAX_TOKENS, new double[] {20, 30, 300, 260})
                    : second(conversation);
            while (true) {
                long t0 = System.nanoTime();
                HttpResponse<String> res = server.postJson(body);
                if (res.statusCode() == 503) {
                    busy.incrementAndGet();
                    assertEquals("1", res.headers().firstValue("Retry-After").orElse(""), "503 says when to retry");
                    Thread.sleep(20 + client * 5L);        // a real client waits Retry-After; short here to keep the test quick
                    continue;
                }
                if (res.statusCode() == 404 && !startNew) {   // evicted by newer conversations: start again
                    restarted.incrementAndGet();
                    body = TestServer.firstTurn(PHOTOS[client % 2], "What is <region1> doing?", MAX_TOKENS, new double[] {20, 30, 300, 260});
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

    private static ObjectNode second(String conversation) {
        ObjectNode body = Json.object().put("conversation_id", conversation).put("max_tokens", MAX_TOKENS);
        body.putArray("messages").addObject().put("role", "user").put("content", "And what is next to <region1>?");
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

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
