package org.gpt4roi.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The browser page and what it loads: {@code /} (the page), {@code /static/*} (its script, style and
 * the embedded default photo, from this package's resources), {@code /v1/photos} (the photos it
 * offers) and {@code /photos/NAME} (a photo from the configured folders, by listed name only).
 * Anything else is a JSON 404.
 */
final class PageHandler implements HttpHandler {
    /** The embedded photo, always offered first. */
    static final String DEFAULT_PHOTO = "extreme_ironing.jpg";
    private static final Map<String, String> STATIC = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8",
            DEFAULT_PHOTO, "image/jpeg");

    private final Map<String, byte[]> resources = new LinkedHashMap<>();
    private final Map<String, Path> photos = new LinkedHashMap<>();

    /** Loads the page's resources; lists the JPEG and PNG files of {@code photoDirs} (missing folders are skipped). */
    PageHandler(List<Path> photoDirs) {
        for (String name : STATIC.keySet()) resources.put(name, resource(name));
        for (Path dir : photoDirs) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(PageHandler::isPhoto).sorted().forEach(f -> photos.putIfAbsent(f.getFileName().toString(), f));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list photos in " + dir, e);
            }
        }
        photos.remove(DEFAULT_PHOTO);   // the embedded copy serves that name
    }

    @Override public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                Http.requireMethod(ex, "GET", "HEAD");
                String path = ex.getRequestURI().getPath();
                if (path.equals("/") || path.equals("/index.html")) sendResource(ex, "index.html");
                else if (path.startsWith("/static/") && STATIC.containsKey(path.substring(8))) sendResource(ex, path.substring(8));
                else if (path.equals("/v1/photos")) Http.sendJson(ex, 200, photoList());
                else if (path.startsWith("/photos/") && photos.containsKey(path.substring(8)))
                    Http.sendBytes(ex, contentType(path), Files.readAllBytes(photos.get(path.substring(8))));
                else throw ApiException.notFound(null, "nothing at " + path + "; the page is at /, the API at POST /v1/region-chat");
            } catch (ApiException e) {
                Http.sendError(ex, e);
            }
        }
    }

    /** {@code [{"name": "extreme_ironing.jpg", "url": "/static/extreme_ironing.jpg"}, ...]} */
    private ArrayNode photoList() {
        ArrayNode list = Json.MAPPER.createArrayNode();
        list.addObject().put("name", DEFAULT_PHOTO).put("url", "/static/" + DEFAULT_PHOTO);
        photos.keySet().forEach(name -> list.addObject().put("name", name).put("url", "/photos/" + name));
        return list;
    }

    private void sendResource(HttpExchange ex, String name) throws IOException {
        Http.sendBytes(ex, STATIC.get(name), resources.get(name));
    }

    private static boolean isPhoto(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(f) && (n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png"));
    }

    private static String contentType(String path) {
        return path.toLowerCase(Locale.ROOT).endsWith(".png") ? "image/png" : "image/jpeg";
    }

    private static byte[] resource(String name) {
        try (InputStream in = PageHandler.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource org/gpt4roi/server/" + name + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
