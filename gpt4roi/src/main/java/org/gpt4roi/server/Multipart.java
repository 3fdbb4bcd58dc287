package org.gpt4roi.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code multipart/form-data} body (RFC 7578) split into its parts; the whole body is in memory already. */
final class Multipart {
    private Multipart() {}

    /** One form field: its name, the file name when it is a file upload (else null), and its bytes. */
    record Part(String name, String filename, byte[] data) {
        String text() { return new String(data, StandardCharsets.UTF_8); }
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]+)\"|([^;\\s]+))", Pattern.CASE_INSENSITIVE);
    private static final Pattern NAME = Pattern.compile("(?<![a-z])name=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    static boolean isMultipart(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    /** Splits {@code body}; a malformed body is a 400 naming the part that could not be read. */
    static List<Part> parse(String contentType, byte[] body) {
        Matcher bm = BOUNDARY.matcher(contentType);
        if (!bm.find()) throw ApiException.badRequest(null, "multipart/form-data without a boundary in its Content-Type");
        byte[] delimiter = ("--" + (bm.group(1) != null ? bm.group(1) : bm.group(2))).getBytes(StandardCharsets.ISO_8859_1);
        byte[] crlfDelimiter = concat(new byte[] {'\r', '\n'}, delimiter);

        int at = indexOf(body, delimiter, 0);
        if (at < 0) throw ApiException.badRequest(null, "multipart body holds no part (boundary not found)");
        List<Part> parts = new ArrayList<>();
        while (true) {
            at += delimiter.length;
            if (startsWith(body, at, "--")) return parts;                   // closing delimiter
            if (!startsWith(body, at, "\r\n")) throw malformed(parts.size());
            int headersStart = at + 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
            if (headersEnd < 0) throw malformed(parts.size());
            String headers = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
            int dataStart = headersEnd + 4;
            int dataEnd = indexOf(body, crlfDelimiter, dataStart);
            if (dataEnd < 0) throw malformed(parts.size());
            parts.add(part(headers, Arrays.copyOfRange(body, dataStart, dataEnd), parts.size()));
            at = dataEnd + 2;
        }
    }

    private static Part part(String headers, byte[] data, int index) {
        for (String line : headers.split("\r\n")) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) continue;
            Matcher name = NAME.matcher(line);
            if (!name.find()) break;
            Matcher file = FILENAME.matcher(line);
            return new Part(name.group(1), file.find() ? file.group(1) : null, data);
        }
        throw ApiException.badRequest(null, "multipart part " + (index + 1) + " has no Content-Disposition name");
    }

    private static ApiException malformed(int index) {
        return ApiException.badRequest(null, "multipart body is malformed at part " + (index + 1)
                + " (each part needs headers, a blank line and its data, and the body must end with --boundary--)");
    }

    private static boolean startsWith(byte[] body, int at, String s) {
        if (at + s.length() > body.length) return false;
        for (int i = 0; i < s.length(); i++) if (body[at + i] != s.charAt(i)) return false;
        return true;
    }

    private static int indexOf(byte[] body, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= body.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) if (body[i + j] != pattern[j]) continue outer;
            return i;
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
