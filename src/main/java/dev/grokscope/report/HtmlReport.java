package dev.grokscope.report;

import dev.grokscope.results.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The self-contained {@code report.html}: every script, style and datum inline, no network.
 *
 * <p>Charts are drawn in the browser by uPlot (webjar {@code org.webjars.npm:uplot}, read from the
 * classpath at report time) from the same {@link Figure} data as the PNGs: drag to zoom, double-click
 * to reset, hover for values, click a legend entry to hide or show its series. Heatmaps are drawn on a
 * canvas by report.js. The page counts what it drew and every script error in
 * {@code <div id="grokscope-status" data-charts=".." data-expected=".." data-errors="..">}, which the
 * headless-browser test reads.
 */
final class HtmlReport {
    static final String UPLOT = "META-INF/resources/webjars/uplot/%s/dist/uPlot.%s";
    static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    private final String title;
    private final String subtitle;
    private final List<Figure> figures;
    private final StringBuilder tables = new StringBuilder();

    private HtmlReport(String title, String subtitle, List<Figure> figures) {
        this.title = title;
        this.subtitle = subtitle;
        this.figures = figures;
    }

    static HtmlReport forRun(RunData run, List<Figure> figures) {
        HtmlReport r = new HtmlReport("Run " + run.name(), "status: " + run.status() + " · " + run.dir().toAbsolutePath().normalize().getFileName(), figures);
        if (run.summary() != null) {
            r.tables.append("<h2 id=\"summary\">Summary</h2>\n").append(keyValues(flatten("", run.summary())));
        } else {
            r.tables.append("<h2 id=\"summary\">Summary</h2>\n<p class=\"missing-inline\">No summary.json: the run is still going or ended abruptly.</p>\n");
        }
        r.tables.append("<h2 id=\"provenance\">Provenance (run.json)</h2>\n");
        r.tables.append(run.run().isEmpty() ? "<p class=\"missing-inline\">run.json is absent or unreadable.</p>\n"
                : keyValues(flatten("", run.run())));
        r.tables.append("<h2 id=\"config\">Config (config.yaml)</h2>\n");
        r.tables.append(run.config() == null ? "<p class=\"missing-inline\">config.yaml is absent or unreadable.</p>\n"
                : "<pre class=\"config\">" + esc(run.config()) + "</pre>\n");
        return r;
    }

    static HtmlReport forSweep(SweepData sweep, List<Figure> figures) {
        HtmlReport r = new HtmlReport("Sweep " + sweep.dir().toAbsolutePath().normalize().getFileName(),
                sweep.runs().size() + " runs · axes: " + String.join(", ", sweep.axes()), figures);
        StringBuilder t = r.tables;
        t.append("<h2 id=\"runs\">Runs</h2>\n<table class=\"runs\"><thead><tr><th>id</th>");
        sweep.axes().forEach(a -> t.append("<th>").append(esc(a)).append("</th>"));
        t.append("<th>status</th><th>epoch train 99%</th><th>epoch val 99%</th><th>final train acc</th>"
                + "<th>final val acc</th><th>final mean eff. rank</th></tr></thead><tbody>\n");
        for (SweepData.Run run : sweep.runs()) {
            Path runReport = sweep.dir().resolve("runs").resolve(run.id()).resolve(Reports.DIR).resolve(Reports.HTML);
            String id = Files.exists(runReport)
                    ? "<a href=\"../runs/" + esc(run.id()) + "/report/report.html\">" + esc(run.id()) + "</a>" : esc(run.id());
            t.append("<tr><td>").append(id).append("</td>");
            sweep.axes().forEach(a -> t.append("<td>").append(esc(run.axisValues().getOrDefault(a, ""))).append("</td>"));
            t.append("<td>").append(esc(run.status())).append("</td>");
            for (double v : new double[] {run.epochTrain99(), run.epochVal99(), run.finalTrainAccuracy(),
                    run.finalValAccuracy(), run.finalMeanEffectiveRank()}) {
                t.append("<td class=\"num\">").append(Double.isFinite(v) ? HeatmapPainter.number(round(v)) : "–").append("</td>");
            }
            t.append("</tr>\n");
        }
        t.append("</tbody></table>\n");
        t.append("<h2 id=\"config\">Sweep definition (sweep.yaml)</h2>\n");
        t.append(sweep.sweepYaml() == null ? "<p class=\"missing-inline\">sweep.yaml is absent or unreadable.</p>\n"
                : "<pre class=\"config\">" + esc(sweep.sweepYaml()) + "</pre>\n");
        return r;
    }

    /** The whole page; {@code missing} is listed at the top. */
    String render(List<String> missing) throws IOException {
        String uplotJs = null;
        String uplotCss = "";
        String version = uplotVersion();
        if (version != null) {
            uplotJs = resource(String.format(UPLOT, version, "iife.min.js"));
            uplotCss = resource(String.format(UPLOT, version, "min.css"));
        }
        List<String> problems = new ArrayList<>(missing);
        if (uplotJs == null) {
            problems.add("uPlot (org.webjars.npm:uplot) is not on the classpath: the page shows the PNG files instead of interactive charts");
        }
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(esc(title))
                .append(" — grokscope report</title>\n<style>\n").append(uplotCss).append('\n')
                .append(resource("dev/grokscope/report/report.css")).append("</style>\n</head><body>\n");
        h.append("<div id=\"grokscope-status\" data-errors=\"0\" data-charts=\"0\" data-expected=\"")
                .append(figures.size()).append("\" data-done=\"false\" data-missing=\"").append(problems.size())
                .append("\" hidden></div>\n");
        h.append("<header><h1>").append(esc(title)).append("</h1><p class=\"sub\">").append(esc(subtitle))
                .append("</p></header>\n");
        if (!problems.isEmpty()) {
            h.append("<section class=\"missing\" id=\"missing\"><h2>Missing or incomplete</h2><ul>\n");
            problems.forEach(p -> h.append("<li>").append(esc(p)).append("</li>\n"));
            h.append("</ul></section>\n");
        }
        h.append("<nav><a href=\"#figures\">Figures</a>");
        for (Figure f : figures) {
            h.append(" · <a href=\"#fig-").append(esc(ChartImages.fileStem(f.id()))).append("\">").append(esc(f.title())).append("</a>");
        }
        h.append(" · <a href=\"#tables\">Tables</a></nav>\n");
        h.append("<p class=\"help\">Charts: drag to zoom, double-click to reset, hover for values, click a legend entry "
                + "to hide or show it. Each figure is also in this folder as PNG and SVG.</p>\n");
        h.append("<main id=\"figures\">\n");
        for (int i = 0; i < figures.size(); i++) {
            Figure f = figures.get(i);
            String stem = ChartImages.fileStem(f.id());
            h.append("<section class=\"figure\" id=\"fig-").append(esc(stem)).append("\"><h2>").append(esc(f.title()))
                    .append("</h2>\n<div class=\"chart\" data-figure=\"").append(i).append("\">");
            if (uplotJs == null && f instanceof XYFigure) {
                h.append("<img src=\"").append(esc(stem)).append(".png\" alt=\"").append(esc(f.title())).append("\">");
            }
            h.append("</div>\n");
            List<String> notes = new ArrayList<>(f.notes());
            if (f instanceof XYFigure xy && !xy.markers().isEmpty()) {
                List<String> m = xy.markers().stream().map(XYFigure.Marker::label).toList();
                notes.add(0, "Dashed vertical lines: " + String.join("; ", m) + ".");
            }
            notes.forEach(n -> h.append("<p class=\"note\">").append(esc(n)).append("</p>\n"));
            h.append("<p class=\"files\"><a href=\"").append(esc(stem)).append(".png\">PNG</a> · <a href=\"")
                    .append(esc(stem)).append(".svg\">SVG</a></p></section>\n");
        }
        h.append("</main>\n<section id=\"tables\">\n").append(tables).append("</section>\n");
        h.append("<footer>Written by grokscope report from the files of this directory only.</footer>\n");
        h.append("<script type=\"application/json\" id=\"grokscope-data\">")
                .append(scriptSafe(Json.write(data()))).append("</script>\n");
        h.append("<script>\n").append(resource("dev/grokscope/report/report-status.js")).append("</script>\n");
        if (uplotJs != null) {
            String license = resource(String.format("META-INF/resources/webjars/uplot/%s/LICENSE", version));
            h.append("<script>\n/* uPlot ").append(version).append(", inlined from org.webjars.npm:uplot. Its license:\n")
                    .append(license == null ? "MIT License, Copyright (c) Leon Sorokin" : license.replace("*/", "* /"))
                    .append("\n*/\n").append(scriptSafe(uplotJs)).append("\n</script>\n");
        }
        h.append("<script>\n").append(resource("dev/grokscope/report/report.js")).append("</script>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    /** The figures as plain maps for JSON (non-finite numbers as null). */
    private Map<String, Object> data() {
        List<Object> list = new ArrayList<>();
        for (Figure f : figures) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", f.id());
            m.put("title", f.title());
            if (f instanceof XYFigure xy) {
                m.put("type", "xy");
                m.put("xLabel", xy.xLabel());
                m.put("yLabel", xy.yLabel());
                m.put("xLog", xy.xLog());
                m.put("yLog", xy.yLog());
                m.put("xShift", xy.xLabel().equals(RunFigures.EPOCH_AXIS) ? 1 : 0);
                List<Object> series = new ArrayList<>();
                for (XYFigure.Series s : xy.series()) {
                    series.add(Map.of("name", s.name(), "x", numbers(s.x()), "y", numbers(s.y()),
                            "style", s.style().name(), "color", s.color()));
                }
                m.put("series", series);
                m.put("markers", xy.markers().stream().map(k -> Map.of("label", k.label(), "x", k.x(), "color", k.color())).toList());
                Map<String, String> ticks = new LinkedHashMap<>();
                xy.xTicks().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(e -> ticks.put(HeatmapPainter.number(e.getKey()), e.getValue()));
                m.put("xTicks", ticks);
            } else {
                HeatmapFigure hm = (HeatmapFigure) f;
                m.put("type", "heatmap");
                m.put("rowLabel", hm.rowLabel());
                m.put("colLabel", hm.colLabel());
                m.put("zLabel", hm.zLabel());
                m.put("rows", numbers(hm.rows()));
                List<Object> z = new ArrayList<>();
                for (double[] row : hm.z()) {
                    z.add(numbers(row));
                }
                m.put("z", z);
            }
            list.add(m);
        }
        List<int[]> ramp = new ArrayList<>();
        for (int i = 0; i <= 8; i++) {
            java.awt.Color c = Colors.ramp(i / 8.0);
            ramp.add(new int[] {c.getRed(), c.getGreen(), c.getBlue()});
        }
        return Map.of("figures", list, "ramp", ramp);
    }

    private static List<Double> numbers(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double d : v) {
            out.add(Double.isFinite(d) ? round(d) : null);
        }
        return out;
    }

    /** Six significant digits: enough to read, a third of the size of full doubles. */
    static double round(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v;
        }
        return Double.parseDouble(String.format(Locale.ROOT, "%.6g", v));
    }

    private static Map<String, Object> flatten(String prefix, Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
            if (v instanceof Map<?, ?> sub) {
                out.putAll(flatten(key, sub));
            } else if (v instanceof List<?> l) {
                out.put(key, String.join(" ", l.stream().map(String::valueOf).toList()));
            } else {
                out.put(key, v);
            }
        });
        return out;
    }

    private static String keyValues(Map<String, Object> m) {
        StringBuilder s = new StringBuilder("<table class=\"kv\"><tbody>\n");
        m.forEach((k, v) -> s.append("<tr><th>").append(esc(k)).append("</th><td>")
                .append(esc(v instanceof Double d ? HeatmapPainter.number(round(d)) : String.valueOf(v)))
                .append("</td></tr>\n"));
        return s.append("</tbody></table>\n").toString();
    }

    static String uplotVersion() {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(UPLOT_POM)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            return null;
        }
    }

    /** A classpath resource as text, or null when absent. */
    static String resource(String name) throws IOException {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Text that cannot end the script element it sits in. */
    static String scriptSafe(String s) {
        return s.replace("</", "<\\/");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
