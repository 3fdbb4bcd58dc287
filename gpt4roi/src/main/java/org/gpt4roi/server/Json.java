package org.gpt4roi.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The server's one JSON mapper and its error body. */
final class Json {
    private Json() {}

    /**
     * Accepts {@code NaN} and {@code Infinity} so a box holding them reaches box validation (and a 400
     * naming the box) instead of a parse error; strings may be as long as the request body allows
     * (a base64 image), since that is bounded before parsing.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                    .build())
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static ObjectNode object() { return MAPPER.createObjectNode(); }

    /** {@code {"error": {"status": 400, "field": "boxes[0]", "message": "..."}}} */
    static ObjectNode error(ApiException e) {
        ObjectNode root = object();
        ObjectNode err = root.putObject("error");
        err.put("status", e.status);
        if (e.field != null) err.put("field", e.field);
        else err.putNull("field");
        err.put("message", e.getMessage());
        return root;
    }
}
