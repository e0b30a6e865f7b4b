package dev.grokscope.report;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import dev.grokscope.results.AtomicFiles;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws {@link Figure}s as PNG and SVG: XY figures with XChart, heatmaps with {@link HeatmapPainter}
 * (XChart's HeatMapChart labels every row and column, unreadable at hundreds of epochs). A figure with
 * no drawable series becomes a placeholder image that says so.
 */
public final class ChartImages {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 540;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ChartImages() {
    }

    /** Something that paints itself into a width x height area. */
    interface Painter {
        void paint(Graphics2D g, int width, int height);
    }

    /** Writes {@code <id>.png} and {@code <id>.svg} into {@code dir}; returns the two paths. */
    public static List<Path> write(Figure f, Path dir) throws IOException {
        Painter p = painter(f);
        Path png = dir.resolve(fileStem(f.id()) + ".png");
        Path svg = dir.resolve(fileStem(f.id()) + ".svg");
        AtomicFiles.write(png, png(p, WIDTH, HEIGHT));
        AtomicFiles.write(svg, svg(p, WIDTH, HEIGHT));
        return List.of(png, svg);
    }

    /** The figure drawn into an image of {@link #WIDTH} x {@link #HEIGHT}. */
    public static BufferedImage image(Figure f) {
        return image(painter(f), WIDTH, HEIGHT);
    }

    static Painter painter(Figure f) {
        if (f instanceof XYFigure xy) {
            return xy.series().isEmpty() ? placeholder(f) : xyChart(xy)::paint;
        }
        HeatmapFigure h = (HeatmapFigure) f;
        return h.rows().length == 0 || h.cols() == 0 ? placeholder(f) : new HeatmapPainter(h)::paint;
    }

    /** A file name made of the id, with characters other than letters, digits, '.', '_', '=', ',', '-' as '_'. */
    static String fileStem(String id) {
        return id.replaceAll("[^A-Za-z0-9._=,-]", "_");
    }

    /** The XChart chart of an XY figure; markers become dashed two-point series spanning the data. */
    public static XYChart xyChart(XYFigure f) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(f.title())
                .xAxisTitle(f.xLabel()).yAxisTitle(f.yLabel()).build();
        XYStyler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(new Color(0x99, 0x99, 0x99));
        s.setPlotGridLinesColor(new Color(0xe4, 0xe4, 0xe4));
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setLegendBorderColor(Color.WHITE);
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setChartTitleBoxVisible(false);
        s.setXAxisLogarithmic(f.xLog());
        s.setYAxisLogarithmic(f.yLog());
        s.setMarkerSize(7);
        s.setYAxisDecimalPattern("#,##0.###");
        s.setAntiAlias(true);
        if (!f.xTicks().isEmpty()) {
            // XChart drops every tick when two labels are equal, so a position between categories gets a
            // distinct invisible label (thin spaces); the spacing hint makes it pick whole steps anyway.
            c.setCustomXAxisTickLabelsFormatter(v -> Math.abs(v - Math.rint(v)) < 1e-6
                    ? f.xTicks().getOrDefault(Math.rint(v) + 0.0, "\u2009".repeat(1 + (int) Math.abs(Math.round(4 * v))))
                    : "\u2009".repeat(1 + (int) Math.abs(Math.round(4 * v))));
            s.setXAxisTickMarkSpacingHint(Math.max(40, 560 / Math.max(1, f.xTicks().size())));
            double lo = f.xTicks().keySet().stream().mapToDouble(Double::doubleValue).min().orElse(0);
            double hi = f.xTicks().keySet().stream().mapToDouble(Double::doubleValue).max().orElse(1);
            s.setXAxisMin(lo - 0.5);
            s.setXAxisMax(hi + 0.5);

        }
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (XYFigure.Series d : f.series()) {
            XYSeries x = c.addSeries(d.name(), d.x(), d.y());
            Color color = Colors.awt(d.color());
            x.setLineColor(color);
            x.setMarkerColor(color);
            switch (d.style()) {
                case LINE -> {
                    x.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                    x.setMarker(SeriesMarkers.NONE);
                    x.setLineWidth(1.8f);
                }
                case DASHED -> {
                    x.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                    x.setMarker(SeriesMarkers.NONE);
                    x.setLineStyle(SeriesLines.DASH_DASH);
                }
                case POINTS -> {
                    x.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                    x.setMarker(SeriesMarkers.CIRCLE);
                }
                case LINE_POINTS -> {
                    x.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                    x.setMarker(SeriesMarkers.CIRCLE);
                    x.setLineWidth(2f);
                }
            }
            for (double v : d.y()) {
                yMin = Math.min(yMin, v);
                yMax = Math.max(yMax, v);
            }
        }
        // XChart labels only powers of ten on a log axis: span whole decades so at least two are labelled.
        if (f.yLog() && yMin > 0) {
            yMin = Math.pow(10, Math.floor(Math.log10(yMin)));
            yMax = Math.pow(10, Math.ceil(Math.log10(yMax) + 1e-9));
            s.setYAxisMin(yMin);
            s.setYAxisMax(yMax);
        }
        java.util.DoubleSummaryStatistics xs = f.series().stream()
                .flatMapToDouble(d -> java.util.Arrays.stream(d.x())).summaryStatistics();
        if (f.xLog()) {
            double xMin = xs.getCount() == 0 ? 1 : xs.getMin();
            double xMax = xs.getCount() == 0 ? 10 : xs.getMax();
            s.setXAxisMin(Math.pow(10, Math.floor(Math.log10(xMin))));
            s.setXAxisMax(Math.pow(10, Math.ceil(Math.log10(xMax) + 1e-9)));
        } else if (f.xTicks().isEmpty() && xs.getMax() > xs.getMin()) {
            // With equally spaced x values (epochs every 10) XChart puts its ticks on data points and labels
            // them 1,010, 2,020, ...; 2% room on the right breaks the spacing and gives round ticks.
            s.setXAxisMin(xs.getMin());
            s.setXAxisMax(xs.getMax() + 0.02 * (xs.getMax() - xs.getMin()));
        }
        for (XYFigure.Marker m : f.markers()) {
            XYSeries x = c.addSeries(m.label(), new double[] {m.x(), m.x()}, new double[] {yMin, yMax});
            x.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            x.setMarker(SeriesMarkers.NONE);
            x.setLineColor(Colors.awt(m.color()));
            x.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
        return c;
    }

    private static Painter placeholder(Figure f) {
        return (g, w, h) -> {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.setColor(new Color(0x99, 0x99, 0x99));
            g.drawRect(20, 50, w - 40, h - 70);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(f.title(), 20, 30);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            g.drawString("No data to draw.", 40, 90);
            int y = 115;
            for (String n : f.notes()) {
                g.drawString(n.length() > 110 ? n.substring(0, 107) + "..." : n, 40, y);
                y += 22;
            }
        };
    }

    static BufferedImage image(Painter p, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            p.paint(g, w, h);
        } finally {
            g.dispose();
        }
        return img;
    }

    static byte[] png(Painter p, int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image(p, w, h), "png", out);
        return out.toByteArray();
    }

    static byte[] svg(Painter p, int w, int h) throws IOException {
        VectorGraphics2D g = new VectorGraphics2D();
        p.paint(g, w, h);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, w, h)).writeTo(out);
        return out.toByteArray();
    }
}
