package dev.grokscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Checks that an image file is what it claims: a PNG of the right size that is not blank. */
final class Images {
    private Images() {
    }

    /** Variance of the grey level over all pixels (0 for a blank image; about 50+ for a chart). */
    static double greyVariance(BufferedImage img) {
        double sum = 0;
        double sumSq = 0;
        long n = (long) img.getWidth() * img.getHeight();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                double g = 0.299 * (rgb >> 16 & 0xff) + 0.587 * (rgb >> 8 & 0xff) + 0.114 * (rgb & 0xff);
                sum += g;
                sumSq += g * g;
            }
        }
        double mean = sum / n;
        return sumSq / n - mean * mean;
    }

    /** Number of distinct colours, capped at 10_000. */
    static int colours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight() && seen.size() < 10_000; y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }

    static BufferedImage assertPng(Path file, int width, int height) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " exists");
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, file + " is a readable image");
        assertEquals(width, img.getWidth(), file + " width");
        assertEquals(height, img.getHeight(), file + " height");
        double v = greyVariance(img);
        assertTrue(v > 50, file + " is not blank: grey variance " + v);
        assertTrue(colours(img) > 8, file + " has more than a handful of colours");
        return img;
    }

    static void assertSvg(Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " exists");
        String s = Files.readString(file);
        assertTrue(s.contains("<svg") && s.contains("</svg>"), file + " is an SVG document");
        assertTrue(s.length() > 2000, file + " has content (" + s.length() + " chars)");
    }
}
