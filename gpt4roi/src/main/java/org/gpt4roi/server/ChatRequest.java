package org.gpt4roi.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.gpt4roi.roi.Box;

/**
 * One {@code POST /v1/region-chat} request, parsed and type-checked (a JSON body, or multipart/form-data
 * with the image as a file part and the other fields as text parts). Range checks on boxes need the
 * image and happen in {@link ChatTurn}.
 *
 * @param image          the encoded image (JPEG/PNG bytes) or null when the conversation already has one
 * @param conversationId the conversation to continue, or null to start one
 * @param boxes          boxes to add in this turn, in image pixels; they are numbered after the conversation's
 * @param messages       the conversation as the client sees it, ending with the new user question
 * @param sampling       generation settings
 * @param stream         answer as server-sent events instead of one JSON
 */
record ChatRequest(byte[] image, String conversationId, List<Box> boxes, List<Message> messages,
                   Sampling sampling, boolean stream) {

    /** One chat message: {@code role} is "user" or "assistant". */
    record Message(String role, String content) {}

    /** Generation settings as sent ({@code temperature} 0 = greedy). */
    record Sampling(float temperature, int topK, float topP, long seed, int maxTokens) {}

    static final int DEFAULT_MAX_TOKENS = 128;
    private static final Set<String> FIELDS = Set.of("image", "conversation_id", "boxes", "messages", "stream",
            "max_tokens", "temperature", "top_k", "top_p", "seed");

    /** The new question: the content of the last message. */
    String question() { return messages.getLast().content(); }

    /** Parses a JSON or multipart body; anything malformed is a 400 naming the field. */
    static ChatRequest parse(String contentType, byte[] body, ServerLimits limits) {
        if (Multipart.isMultipart(contentType)) return fromMultipart(Multipart.parse(contentType, body), limits);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest(null, "the body is not valid JSON (" + e.getOriginalMessage()
                    + "); send a JSON object or multipart/form-data");
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(null, "the body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject())
            throw ApiException.badRequest(null, "the body must be a JSON object with image, boxes and messages");
        JsonNode image = root.get("image");
        byte[] imageBytes = null;
        if (image != null && !image.isNull()) {
            if (!image.isTextual()) throw ApiException.badRequest("image", "image must be a base64 string (a data: URL is fine)");
            imageBytes = decodeBase64(image.asText());
        }
        return fromFields((ObjectNode) root, imageBytes, limits);
    }

    /** Multipart: the part named "image" holds the file; every other part is a field, read as JSON when it parses. */
    private static ChatRequest fromMultipart(List<Multipart.Part> parts, ServerLimits limits) {
        ObjectNode fields = Json.object();
        byte[] image = null;
        for (Multipart.Part p : parts) {
            if (p.name().equals("image")) { image = p.data(); continue; }
            String text = p.text();
            JsonNode value;
            try {
                value = Json.MAPPER.readTree(text);
            } catch (JacksonException e) {
                value = null;
            }
            if (value == null || value.isMissingNode()) fields.put(p.name(), text);
            else fields.set(p.name(), value);
        }
        return fromFields(fields, image, limits);
    }

    private static ChatRequest fromFields(ObjectNode root, byte[] image, ServerLimits limits) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!FIELDS.contains(name))
                throw ApiException.badRequest(name, "unknown field '" + name + "'; the fields are " + String.join(", ", sorted(FIELDS)));
        }
        String conversationId = optionalText(root, "conversation_id");
        if (image == null && conversationId == null)
            throw ApiException.badRequest("image", "image is missing: a new conversation needs an image "
                    + "(base64 in JSON, or a file part named image); later turns send conversation_id instead");
        return new ChatRequest(image, conversationId, boxes(root.get("boxes"), limits), messages(root.get("messages")),
                sampling(root, limits), bool(root, "stream"));
    }

    private static List<Box> boxes(JsonNode node, ServerLimits limits) {
        List<Box> boxes = new ArrayList<>();
        if (node == null || node.isNull()) return boxes;
        if (!node.isArray()) throw ApiException.badRequest("boxes", "boxes must be an array of [x1, y1, x2, y2] in image pixels");
        if (node.size() > limits.maxBoxes())
            throw ApiException.badRequest("boxes", node.size() + " boxes is more than the limit of " + limits.maxBoxes());
        for (int i = 0; i < node.size(); i++) {
            JsonNode b = node.get(i);
            if (!b.isArray() || b.size() != 4 || !allNumbers(b))
                throw ApiException.badRequest("boxes[" + i + "]", "boxes[" + i + "] is " + b
                        + "; each box is [x1, y1, x2, y2], four numbers in image pixels");
            boxes.add(new Box(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble()));
        }
        return boxes;
    }

    private static boolean allNumbers(JsonNode array) {
        for (JsonNode v : array) if (!v.isNumber()) return false;
        return true;
    }

    private static List<Message> messages(JsonNode node) {
        if (node == null || node.isNull() || !node.isArray() || node.isEmpty())
            throw ApiException.badRequest("messages", "messages must be a non-empty array of {\"role\": \"user\", "
                    + "\"content\": \"...\"} ending with the new question");
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "messages[" + i + "]";
            JsonNode m = node.get(i);
            String expected = i % 2 == 0 ? "user" : "assistant";
            if (!m.isObject() || !m.path("role").isTextual() || !m.path("content").isTextual())
                throw ApiException.badRequest(field, field + " must be {\"role\": \"" + expected + "\", \"content\": \"...\"}");
            String role = m.get("role").asText();
            if (!role.equals(expected))
                throw ApiException.badRequest(field + ".role", field + ".role is '" + role + "' but messages alternate user, "
                        + "assistant, user, ... (expected '" + expected + "')");
            messages.add(new Message(role, m.get("content").asText()));
        }
        if (!messages.getLast().role().equals("user"))
            throw ApiException.badRequest("messages", "the last message must be the user's new question");
        if (messages.getLast().content().isBlank())
            throw ApiException.badRequest("messages[" + (messages.size() - 1) + "].content", "the question is empty");
        return messages;
    }

    private static Sampling sampling(JsonNode root, ServerLimits limits) {
        long maxTokens = integer(root, "max_tokens", Math.min(DEFAULT_MAX_TOKENS, limits.maxNewTokens()));
        if (maxTokens < 1 || maxTokens > limits.maxNewTokens())
            throw ApiException.badRequest("max_tokens", "max_tokens is " + maxTokens + "; give 1.." + limits.maxNewTokens());
        float temperature = (float) number(root, "temperature", 0);
        if (!(temperature >= 0) || Float.isInfinite(temperature))
            throw ApiException.badRequest("temperature", "temperature is " + temperature + "; give 0 (greedy) or a finite positive number");
        long topK = integer(root, "top_k", 0);
        if (topK < 0 || topK > Integer.MAX_VALUE)
            throw ApiException.badRequest("top_k", "top_k is " + topK + "; give 0 (off) or a positive number of tokens");
        float topP = (float) number(root, "top_p", 1);
        if (!(topP > 0 && topP <= 1))
            throw ApiException.badRequest("top_p", "top_p is " + topP + "; give a probability in (0, 1]");
        return new Sampling(temperature, (int) topK, topP, integer(root, "seed", 0), (int) maxTokens);
    }

    private static String optionalText(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || v.asText().isEmpty()) throw ApiException.badRequest(field, field + " must be a non-empty string");
        return v.asText();
    }

    private static double number(JsonNode root, String field, double fallback) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber()) throw ApiException.badRequest(field, field + " must be a number, found " + v);
        return v.asDouble();
    }

    private static long integer(JsonNode root, String field, long fallback) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiException.badRequest(field, field + " must be an integer, found " + v);
        return v.asLong();
    }

    private static boolean bool(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw ApiException.badRequest(field, field + " must be true or false, found " + v);
        return v.asBoolean();
    }

    /** Plain base64, or a {@code data:image/...;base64,} URL; whitespace is ignored. */
    private static byte[] decodeBase64(String text) {
        String s = text;
        if (s.startsWith("data:")) {
            int comma = s.indexOf(',');
            if (comma < 0 || !s.substring(0, comma).endsWith(";base64"))
                throw ApiException.badRequest("image", "image is a data: URL but not a base64 one");
            s = s.substring(comma + 1);
        }
        try {
            return Base64.getDecoder().decode(s.replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("image", "image is not valid base64 (" + e.getMessage() + ")");
        }
    }

    private static List<String> sorted(Set<String> s) { return s.stream().sorted().toList(); }
}
