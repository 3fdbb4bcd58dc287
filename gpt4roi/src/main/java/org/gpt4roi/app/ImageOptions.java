package org.gpt4roi.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gpt4roi.roi.Box;
import picocli.CommandLine.Option;

/** The image and the boxes drawn on it. */
public final class ImageOptions {
    @Option(names = "--image", paramLabel = "IMG", required = true, description = "JPEG or PNG image.")
    Path image;

    @Option(names = "--box", paramLabel = "x1,y1,x2,y2",
            description = "A box in pixels of the image; repeat for more. The k-th box is <regionk> in the prompt.")
    List<String> boxes = new ArrayList<>();

    /** The parsed boxes; a malformed or inverted one is an error naming it. */
    public List<Box> parsedBoxes() {
        List<Box> out = new ArrayList<>();
        for (int i = 0; i < boxes.size(); i++) out.add(Box.parse(boxes.get(i)).validate(i));
        return out;
    }
}
