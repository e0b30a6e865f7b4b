package dev.grokscope.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * Paints a {@link HeatmapFigure} with Java2D: rows along x (snapshot epochs, left to right), columns
 * along y (index 1 at the top), a colour bar on the right. The cells are one image scaled with
 * nearest-neighbour sampling, so an SVG embeds a single bitmap instead of one element per cell.
 */
final class HeatmapPainter {
    private static final Color NO_VALUE = new Color(0xdd, 0xdd, 0xdd);
    private final HeatmapFigure f;
    private final double zMin;
    private final double zMax;

    HeatmapPainter(HeatmapFigure f) {
        this.f = f;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] row : f.z()) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (!(lo <= hi)) {
            lo = 0;
            hi = 1;
        } else if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        zMin = lo;
        zMax = hi;
    }

    /** The colour of one value, as drawn (grey when not finite). */
    Color color(double v) {
        return Double.isFinite(v) ? Colors.ramp((v - zMin) / (zMax - zMin)) : NO_VALUE;
    }

    void paint(Graphics2D g, int w, int h) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int left = 80;
        int right = 130;
        int top = 50;
        int bottom = 60;
        int pw = w - left - right;
        int ph = h - top - bottom;
        int nr = f.rows().length;
        int nc = f.cols();

        BufferedImage cells = new BufferedImage(nr, nc, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < nr; r++) {
            for (int j = 0; j < nc; j++) {
                cells.setRGB(r, j, color(f.z()[r][j]).getRGB());
            }
        }
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.drawImage(cells, left, top, pw, ph, null);
        g.setColor(new Color(0x66, 0x66, 0x66));
        g.setStroke(new BasicStroke(1f));
        g.drawRect(left, top, pw, ph);

        Font tick = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font axis = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(Color.BLACK);
        FontMetrics tm = g.getFontMetrics();
        g.drawString(f.title(), left + (pw - tm.stringWidth(f.title())) / 2, 30);

        g.setFont(tick);
        FontMetrics fm = g.getFontMetrics();
        int xTicks = Math.min(nr, 7);
        for (int k = 0; k < xTicks; k++) {
            int r = xTicks == 1 ? 0 : (int) Math.round(k * (nr - 1.0) / (xTicks - 1.0));
            int x = left + (int) Math.round((r + 0.5) * pw / nr);
            g.drawLine(x, top + ph, x, top + ph + 5);
            String s = number(f.rows()[r]);
            g.drawString(s, x - fm.stringWidth(s) / 2, top + ph + 20);
        }
        int step = niceStep(nc, 8);
        for (int i = 1; i <= nc; i = (i == 1 && step > 1) ? step : i + step) {
            int y = top + (int) Math.round((i - 0.5) * ph / nc);
            g.drawLine(left - 5, y, left, y);
            String s = Integer.toString(i);
            g.drawString(s, left - 8 - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
        }
        g.setFont(axis);
        FontMetrics am = g.getFontMetrics();
        g.drawString(f.rowLabel(), left + (pw - am.stringWidth(f.rowLabel())) / 2, h - 18);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(f.colLabel(), -(top + (ph + am.stringWidth(f.colLabel())) / 2), 24);
        g.setTransform(saved);

        int bx = left + pw + 30;
        int bw = 18;
        for (int y = 0; y < ph; y++) {
            g.setColor(Colors.ramp(1 - y / (ph - 1.0)));
            g.fillRect(bx, top + y, bw, 1);
        }
        g.setColor(new Color(0x66, 0x66, 0x66));
        g.drawRect(bx, top, bw, ph);
        g.setFont(tick);
        g.setColor(Color.BLACK);
        for (int k = 0; k <= 4; k++) {
            double v = zMax - k * (zMax - zMin) / 4;
            int y = top + k * (ph - 1) / 4;
            g.drawLine(bx + bw, y, bx + bw + 4, y);
            g.drawString(String.format(Locale.ROOT, "%.2f", v), bx + bw + 7, y + fm.getAscent() / 2 - 1);
        }
        g.setFont(axis);
        g.drawString(f.zLabel(), bx - 10, top - 10);
    }

    /** A step of 1, 2 or 5 times a power of ten giving at most about {@code maxTicks} ticks over n. */
    static int niceStep(int n, int maxTicks) {
        double raw = Math.max(1, n / (double) maxTicks);
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (int m : new int[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return (int) Math.max(1, m * p);
            }
        }
        return (int) (10 * p);
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
