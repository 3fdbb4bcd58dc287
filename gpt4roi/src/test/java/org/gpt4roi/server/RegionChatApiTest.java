package org.gpt4roi.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.gpt4roi.chat.Answer;
import org.gpt4roi.chat.Conversation;
import org.gpt4roi.chat.GenerationSettings;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.ImageContext;
import org.gpt4roi.model.StageTimer;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.vit.RgbImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON API over real HTTP on loopback with the tiny model: answers equal the library's own
 * greedy answers (computed here through {@link Conversation}), and every bad input gets its 4xx
 * naming the field.
 */
class RegionChatApiTest {
    static final int MAX_TOKENS = 12;
    static final byte[] PHOTO = TestServer.photo("extreme_ironing.jpg");      // 570×380
    static final double[] BOX = {236, 45, 380, 280};
    static final double[] BOX2 = {40, 200, 200, 370};
    static final long BODY_LIMIT = 1 << 20;

    static TestServer server;
    static ImageContext photoContext;     // the library's own encoding of PHOTO, made once

    @BeforeAll static void start() throws Exception {
        server = new TestServer(new ServerLimits(BODY_LIMIT, 4, 8, Duration.ofMinutes(10), 4, 16, 32));
    }

    @AfterAll static void stop() { server.close(); }

    /** The library's greedy answer to each turn, and the text pieces it streamed. */
    record LibraryTurn(Answer answer, String streamed) {}

    static List<LibraryTurn> library(List<List<double[]>> boxesPerTurn, List<String> questions) {
        Gpt4RoiModel model = TestServer.tinyModel();
        if (photoContext == null) photoContext = model.encodeImage(RgbImage.decode(PHOTO, "test"), Probe.NONE, new StageTimer());
        Conversation conv = new Conversation(model, photoContext);
        List<LibraryTurn> turns = new ArrayList<>();
        for (int t = 0; t < questions.size(); t++) {
            List<Box> boxes = boxesPerTurn.get(t).stream().map(b -> new Box(b[0], b[1], b[2], b[3])).toList();
            if (!boxes.isEmpty()) conv.addBoxes(boxes, new StageTimer());
            StringBuilder streamed = new StringBuilder();
            Answer a = conv.ask(questions.get(t), GenerationSettings.greedy(MAX_TOKENS), streamed::append, new StageTimer());
            turns.add(new LibraryTurn(a, streamed.toString()));
        }
        return turns;
    }

    static JsonNode ok(HttpResponse<String> res) {
        assertEquals(200, res.statusCode(), () -> "status; body " + res.body());
        assertEquals("application/json; charset=utf-8", res.headers().firstValue("Content-Type").orElse(""));
        return TestServer.parse(res.body());
    }

    @Test void oneShotAnswerIsTheLibrarysGreedyAnswer() {
        LibraryTurn expected = library(List.of(List.of(BOX)), List.of("What is <region1> doing?")).getFirst();
        JsonNode got = ok(server.postJson(TestServer.firstTurn(PHOTO, "What is <region1> doing?", MAX_TOKENS, BOX)));
        assertEquals(expected.answer().text(), got.get("answer").asText(), "answer");
        assertEquals(expected.answer().raw(), got.get("raw").asText(), "raw generated text");
        assertEquals(expected.answer().generatedIds().length, got.at("/usage/completion_tokens").asInt());
        assertEquals(expected.answer().promptTokens(), got.at("/usage/prompt_tokens").asInt());
        assertEquals(1, got.get("turn").asInt());
        assertEquals("[1]", got.get("new_regions").toString());
        assertTrue(got.get("conversation_id").asText().startsWith("c_"), got.toString());
    }

    @Test void streamedAnswerIsTheLibrarysGreedyAnswer() {
        LibraryTurn expected = library(List.of(List.of(BOX)), List.of("What is <region1> doing?")).getFirst();
        ObjectNode body = TestServer.firstTurn(PHOTO, "What is <region1> doing?", MAX_TOKENS, BOX).put("stream", true);
        List<TestServer.Event> events = server.postStream(body);
        List<TestServer.Event> texts = events.stream().filter(e -> e.name().equals("text")).toList();
        StringBuilder streamed = new StringBuilder();
        texts.forEach(e -> streamed.append(e.data().get("text").asText()));
        assertTrue(texts.size() >= 2, "the answer should arrive in pieces, got " + texts.size() + " text events");
        assertEquals(expected.streamed(), streamed.toString(), "streamed text");
        TestServer.Event done = events.getLast();
        assertEquals("done", done.name(), "last event");
        assertEquals(expected.answer().text(), done.data().get("answer").asText(), "final answer");
    }

    @Test void multipartAnswerIsTheSame() {
        LibraryTurn expected = library(List.of(List.of(BOX)), List.of("What is <region1> doing?")).getFirst();
        String boundary = "----gpt4roi-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"photo.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(PHOTO);
        for (String[] field : new String[][] {{"boxes", "[[236,45,380,280]]"}, {"max_tokens", "" + MAX_TOKENS},
                {"messages", "[{\"role\":\"user\",\"content\":\"What is <region1> doing?\"}]"}})
            body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field[0] + "\"\r\n\r\n"
                    + field[1]).getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode got = ok(server.post("multipart/form-data; boundary=" + boundary, body.toByteArray()));
        assertEquals(expected.answer().text(), got.get("answer").asText(), "answer");
    }

    @Test void laterTurnsContinueTheConversationAndAddBoxes() {
        List<String> questions = List.of("What is <region1> doing?", "And <region2>?", "Is <region1> near <region2>?");
        List<LibraryTurn> expected = library(List.of(List.of(BOX), List.of(BOX2), List.of()), questions);

        JsonNode first = ok(server.postJson(TestServer.firstTurn(PHOTO, questions.get(0), MAX_TOKENS, BOX)));
        String id = first.get("conversation_id").asText();

        ObjectNode second = Json.object().put("conversation_id", id).put("max_tokens", MAX_TOKENS);
        second.putArray("boxes").addArray().add(BOX2[0]).add(BOX2[1]).add(BOX2[2]).add(BOX2[3]);
        second.putArray("messages").addObject().put("role", "user").put("content", questions.get(1));
        JsonNode got2 = ok(server.postJson(second));
        assertEquals(expected.get(1).answer().text(), got2.get("answer").asText(), "turn 2 answer");
        assertEquals(id, got2.get("conversation_id").asText());
        assertEquals("[2]", got2.get("new_regions").toString());
        assertEquals(2, got2.get("regions").asInt());
        assertEquals(expected.get(1).answer().reusedTokens(), got2.at("/usage/reused_tokens").asInt());
        assertTrue(got2.at("/usage/reused_tokens").asInt() > 0, "turn 2 reuses the cached prefix: " + got2.get("usage"));
        assertFalse(got2.get("timings_s").has("vision"), "turn 2 must not run the vision tower: " + got2.get("timings_s"));

        // Turn 3 sends the whole conversation, as a stateless client would; earlier turns are checked.
        ObjectNode third = Json.object().put("conversation_id", id).put("max_tokens", MAX_TOKENS);
        var messages = third.putArray("messages");
        messages.addObject().put("role", "user").put("content", questions.get(0));
        messages.addObject().put("role", "assistant").put("content", first.get("answer").asText());
        messages.addObject().put("role", "user").put("content", questions.get(1));
        messages.addObject().put("role", "assistant").put("content", got2.get("answer").asText());
        messages.addObject().put("role", "user").put("content", questions.get(2));
        JsonNode got3 = ok(server.postJson(third));
        assertEquals(expected.get(2).answer().text(), got3.get("answer").asText(), "turn 3 answer");
        assertEquals(3, got3.get("turn").asInt());
    }

    @Test void aNewConversationOnTheSameImageReusesItsEncoding() {
        ok(server.postJson(TestServer.firstTurn(PHOTO, "What is <region1> doing?", 2, BOX)));
        JsonNode again = ok(server.postJson(TestServer.firstTurn(PHOTO, "Describe <region1>.", 2, BOX)));
        assertTrue(again.get("image_cached").asBoolean(), again.toString());
        assertFalse(again.get("timings_s").has("vision"), "cached image ran the vision tower: " + again.get("timings_s"));
    }

    @Test void aBoxPartlyOutsideTheImageIsAllowed() {
        ok(server.postJson(TestServer.firstTurn(PHOTO, "What is <region1>?", 2, new double[] {500, 300, 700, 500})));
    }

    @Test void healthAndPhotos() {
        JsonNode health = ok(server.get("/v1/health"));
        assertEquals("ok", health.get("status").asText());
        assertEquals(4, health.at("/queue/capacity").asInt());
        JsonNode photos = ok(server.get("/v1/photos"));
        assertEquals(PageHandler.DEFAULT_PHOTO, photos.get(0).get("name").asText());
        assertTrue(photos.toString().contains("waterview.jpg"), photos.toString());
        HttpResponse<String> page = server.get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<canvas id=\"canvas\""), "the page has its canvas");
        assertEquals(404, server.get("/photos/..%2F..%2Fpom.xml").statusCode());
        assertEquals(404, server.get("/nothing-here").statusCode());
    }

    // ---------- bad input ----------

    static ObjectNode turn(String question, double[]... boxes) { return TestServer.firstTurn(PHOTO, question, 4, boxes); }

    static ObjectNode with(ObjectNode body, String field, Object value) {
        body.set(field, Json.MAPPER.valueToTree(value));
        return body;
    }

    static Stream<Arguments> badRequests() {
        String b64 = Base64.getEncoder().encodeToString(PHOTO);
        String q = "[{\"role\":\"user\",\"content\":\"What is <region1> doing?\"}]";
        return Stream.of(
                Arguments.of("not an image", with(turn("What is <region1>?", BOX), "image",
                        Base64.getEncoder().encodeToString("hello, world".getBytes(StandardCharsets.UTF_8))), 400, "image"),
                Arguments.of("image too large (pixels)", with(turn("What is <region1>?", BOX), "image",
                        Base64.getEncoder().encodeToString(hugePngHeader(20_000, 20_000))), 400, "image"),
                Arguments.of("image not base64", with(turn("What is <region1>?", BOX), "image", "#not-base64#"), 400, "image"),
                Arguments.of("no image, no conversation", turn("What is <region1>?", BOX).without("image"), 400, "image"),
                Arguments.of("box inverted", turn("What is <region1>?", new double[] {380, 45, 236, 280}), 400, "boxes[0]"),
                Arguments.of("box NaN", "{\"image\":\"" + b64 + "\",\"boxes\":[[NaN,45,380,280]],\"messages\":" + q + "}", 400, "boxes[0]"),
                Arguments.of("box wholly outside", turn("What is <region1>?", BOX, new double[] {600, 10, 700, 100}), 400, "boxes[1]"),
                Arguments.of("box not four numbers", "{\"image\":\"" + b64 + "\",\"boxes\":[[1,2,3]],\"messages\":" + q + "}", 400, "boxes[0]"),
                Arguments.of("region with no box", turn("What is <region2> doing?", BOX), 400, "messages"),
                Arguments.of("prompt past the context", turn("Describe <region1>. " + "and then some more ".repeat(800), BOX), 400, "messages"),
                Arguments.of("reserved token in question", turn("What is <image> <region1>?", BOX), 400, "messages"),
                Arguments.of("unknown conversation", with(turn("What is <region1>?").without("image"), "conversation_id", "c_nope"), 404, "conversation_id"),
                Arguments.of("history without conversation", "{\"image\":\"" + b64 + "\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                        + "{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}]}", 400, "messages"),
                Arguments.of("messages empty", with(turn("x", BOX), "messages", List.of()), 400, "messages"),
                Arguments.of("message role wrong", "{\"image\":\"" + b64 + "\",\"messages\":[{\"role\":\"system\",\"content\":\"a\"}]}", 400, "messages[0].role"),
                Arguments.of("max_tokens zero", with(turn("What is <region1>?", BOX), "max_tokens", 0), 400, "max_tokens"),
                Arguments.of("max_tokens over the limit", with(turn("What is <region1>?", BOX), "max_tokens", 1000), 400, "max_tokens"),
                Arguments.of("temperature negative", with(turn("What is <region1>?", BOX), "temperature", -1), 400, "temperature"),
                Arguments.of("top_p zero", with(turn("What is <region1>?", BOX), "top_p", 0), 400, "top_p"),
                Arguments.of("unknown field", with(turn("What is <region1>?", BOX), "max_new_tokens", 3), 400, "max_new_tokens"),
                Arguments.of("not JSON", "{\"image\": ", 400, null),
                Arguments.of("JSON not an object", "[1, 2]", 400, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badInputIsA4xxNamingTheField(String what, Object body, int status, String field) {
        int before = TestServer.parse(server.get("/v1/health").body()).get("conversations").asInt();
        HttpResponse<String> res = body instanceof String s ? server.post("application/json", s.getBytes(StandardCharsets.UTF_8))
                : server.postJson((JsonNode) body);
        assertEquals(status, res.statusCode(), () -> what + ": " + res.body());
        JsonNode error = TestServer.parse(res.body()).get("error");
        assertEquals(field, error.get("field").isNull() ? null : error.get("field").asText(), () -> what + ": " + res.body());
        assertFalse(error.get("message").asText().isBlank(), what);
        int after = TestServer.parse(server.get("/v1/health").body()).get("conversations").asInt();
        assertEquals(before, after, what + ": a failed request must leave no conversation behind");
    }

    @Test void aBodyOverTheLimitIs413() {
        byte[] big = new byte[(int) BODY_LIMIT + 10];
        HttpResponse<String> res = server.post("application/json", big);
        assertEquals(413, res.statusCode(), res.body());
        assertEquals("image", TestServer.parse(res.body()).at("/error/field").asText());
    }

    @Test void wrongMethodIs405() {
        HttpResponse<String> res = server.get("/v1/region-chat");
        assertEquals(405, res.statusCode(), res.body());
        assertEquals("POST", res.headers().firstValue("Allow").orElse(""));
    }

    @Test void aFailedTurnLeavesTheConversationUsable() {
        JsonNode first = ok(server.postJson(TestServer.firstTurn(PHOTO, "What is <region1> doing?", 2, BOX)));
        String id = first.get("conversation_id").asText();
        ObjectNode bad = Json.object().put("conversation_id", id).put("max_tokens", 2);
        bad.putArray("messages").addObject().put("role", "user").put("content", "And <region5>?");
        assertEquals(400, server.postJson(bad).statusCode());
        ObjectNode good = Json.object().put("conversation_id", id).put("max_tokens", 2);
        good.putArray("messages").addObject().put("role", "user").put("content", "And <region1> again?");
        JsonNode second = ok(server.postJson(good));
        assertEquals(2, second.get("turn").asInt());
        assertEquals(1, second.get("regions").asInt());
    }

    @Test void aClientLeavingMidStreamLeavesTheServerWell() throws Exception {
        JsonNode first = ok(server.postJson(TestServer.firstTurn(PHOTO, "What is <region1> doing?", 2, BOX)));
        String id = first.get("conversation_id").asText();
        ObjectNode next = Json.object().put("conversation_id", id).put("max_tokens", 32).put("stream", true);
        next.putArray("messages").addObject().put("role", "user").put("content", "Tell me more about <region1>.");
        byte[] body = Json.MAPPER.writeValueAsBytes(next);
        try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
            socket.getOutputStream().write(("POST /v1/region-chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("event: text")) { /* headers, then the first event */ }
            assertEquals("event: text", line, "a text event before leaving");
        }                                                               // gone, mid-answer
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (TestServer.parse(server.get("/v1/health").body()).at("/queue/pending").asInt() > 0) {
            assertTrue(System.nanoTime() < deadline, "the abandoned request still holds its queue place");
            Thread.sleep(20);
        }
        // The conversation is either whole (the answer had finished) or forgotten (cut off half-way): never half-done.
        ObjectNode again = Json.object().put("conversation_id", id).put("max_tokens", 2);
        again.putArray("messages").addObject().put("role", "user").put("content", "And now?");
        HttpResponse<String> res = server.postJson(again);
        assertTrue(res.statusCode() == 200 || res.statusCode() == 404, res.body());
        if (res.statusCode() == 200) assertEquals(3, TestServer.parse(res.body()).get("turn").asInt());
        ok(server.postJson(TestServer.firstTurn(PHOTO, "What is <region1> doing?", 2, BOX)));
    }

    /** A PNG that declares {@code width×height} pixels and holds none: the size is refused from the header. */
    static byte[] hugePngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
