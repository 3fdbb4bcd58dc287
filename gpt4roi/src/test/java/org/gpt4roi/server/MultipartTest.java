package org.gpt4roi.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipartTest {
    static byte[] bytes(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    @Test void splitsFieldsAndFiles() {
        String body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n\u0089PNG\r\n--X\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"max_tokens\"\r\n\r\n"
                + "8\r\n--XyZ--\r\n";
        List<Multipart.Part> parts = Multipart.parse("multipart/form-data; boundary=\"XyZ\"", bytes(body));
        assertEquals(2, parts.size());
        assertEquals("image", parts.get(0).name());
        assertEquals("a.png", parts.get(0).filename());
        assertArrayEquals(bytes("\u0089PNG\r\n--X\r\n"), parts.get(0).data(), "data holding CRLF and a boundary prefix");
        assertEquals("max_tokens", parts.get(1).name());
        assertNull(parts.get(1).filename());
        assertEquals("8", parts.get(1).text());
    }

    @Test void malformedBodiesAre400() {
        for (String body : new String[] {"", "--b\r\nno blank line", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nunterminated",
                "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"}) {
            ApiException e = assertThrows(ApiException.class, () -> Multipart.parse("multipart/form-data; boundary=b", bytes(body)), body);
            assertEquals(400, e.status, body);
        }
        assertEquals(400, assertThrows(ApiException.class, () -> Multipart.parse("multipart/form-data", bytes("x"))).status);
    }
}
