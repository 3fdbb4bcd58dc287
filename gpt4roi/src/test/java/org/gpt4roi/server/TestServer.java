package org.gpt4roi.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.ModelDirectory;

/** A server on the tiny fixture model, bound to a free loopback port, and an HTTP client for it. */
final class TestServer implements AutoCloseable {
    private static Gpt4RoiModel tiny;

    /** The tiny random-weight model, loaded once per test JVM. */
    static synchronized Gpt4RoiModel tinyModel() {
        if (tiny == null) tiny = Gpt4RoiModel.load(ModelDirectory.open(testdata("tiny", "model"), null), Backends.cpu());
        return tiny;
    }

    static Path testdata(String... parts) { return Path.of(System.getProperty("gpt4roi.testdata"), parts); }

    static byte[] photo(String name) {
        try { return Files.readAllBytes(testdata("images", name)); }
        catch (IOException e) { throw new UncheckedIOException(e); }
    }

    final RegionChatServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    TestServer(ServerLimits limits) throws IOException {
        server = RegionChatServer.start(tinyModel(), "tiny", "127.0.0.1", 0, limits, List.of(testdata("images")));
    }

    URI uri(String path) { return URI.create(server.url()).resolve(path); }

    /** A JSON body with the photo, boxes and one question, greedy with {@code maxTokens}. */
    static ObjectNode firstTurn(byte[] image, String question, int maxTokens, double[]... boxes) {
        ObjectNode body = Json.object().put("image", Base64.getEncoder().encodeToString(image)).put("max_tokens", maxTokens);
        var b = body.putArray("boxes");
        for (double[] box : boxes) { var a = b.addArray(); for (double v : box) a.add(v); }
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        return body;
    }

    HttpResponse<String> post(String contentType, byte[] body) {
        HttpRequest req = HttpRequest.newBuilder(uri("/v1/region-chat")).header("Content-Type", contentType)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return send(req, HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postJson(JsonNode body) {
        try { return post("application/json", Json.MAPPER.writeValueAsBytes(body)); }
        catch (IOException e) { throw new UncheckedIOException(e); }
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** One server-sent event. */
    record Event(String name, JsonNode data) {}

    /** Posts with {@code Accept: text/event-stream} and reads the whole stream. */
    List<Event> postStream(JsonNode body) {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(uri("/v1/region-chat")).header("Content-Type", "application/json")
                    .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body))).build();
        } catch (IOException e) { throw new UncheckedIOException(e); }
        HttpResponse<java.util.stream.Stream<String>> res = send(req, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, res.statusCode(), "streamed request status");
        assertEquals("text/event-stream; charset=utf-8", res.headers().firstValue("Content-Type").orElse(""));
        List<Event> events = new ArrayList<>();
        String name = null;
        for (String line : (Iterable<String>) res.body()::iterator) {
            if (line.startsWith("event: ")) name = line.substring(7);
            else if (line.startsWith("data: ")) events.add(new Event(name, parse(line.substring(6))));
        }
        return events;
    }

    static JsonNode parse(String json) {
        try { return Json.MAPPER.readTree(json); }
        catch (IOException e) { throw new UncheckedIOException(e); }
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
        try { return http.send(req, handler); }
        catch (IOException e) { throw new UncheckedIOException(e); }
        catch (InterruptedException e) { Thread.currentThread().interrupt(); throw new IllegalStateException(e); }
    }

    @Override public void close() {
        server.close();
        http.close();
    }
}
