package org.gpt4roi.app;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.vit.RgbImage;

/** Draws each box on the image with its label ({@code region1}, ...) and writes a PNG. */
final class Annotator {
    private Annotator() {}

    private static final Color[] COLORS = {new Color(0xE6194B), new Color(0x3CB44B), new Color(0x4363D8),
            new Color(0xF58231), new Color(0x911EB4), new Color(0x42D4F4), new Color(0xF032E6), new Color(0xBFEF45)};

    static void write(RgbImage image, List<Box> boxes, Path out) {
        BufferedImage img = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++)
            for (int x = 0; x < image.width(); x++)
                img.setRGB(x, y, image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2));
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        float stroke = Math.max(2f, Math.min(image.width(), image.height()) / 200f);
        g.setStroke(new BasicStroke(stroke));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, Math.round(stroke * 6))));
        for (int k = 0; k < boxes.size(); k++) {
            Box b = boxes.get(k);
            g.setColor(COLORS[k % COLORS.length]);
            int x = (int) Math.round(b.x1()), y = (int) Math.round(b.y1());
            g.drawRect(x, y, (int) Math.round(b.x2() - b.x1()), (int) Math.round(b.y2() - b.y1()));
            String label = "region" + (k + 1);
            int w = g.getFontMetrics().stringWidth(label) + 6, h = g.getFontMetrics().getHeight();
            int ly = y - h < 0 ? y : y - h;
            g.fillRect(x, ly, w, h);
            g.setColor(Color.WHITE);
            g.drawString(label, x + 3, ly + h - g.getFontMetrics().getDescent());
        }
        g.dispose();
        try {
            if (!ImageIO.write(img, "png", out.toFile())) throw new InputException("cannot write PNG to " + out);
        } catch (IOException e) {
            throw new InputException("cannot write the annotated image to " + out + ": " + e.getMessage(), e);
        }
    }
}
