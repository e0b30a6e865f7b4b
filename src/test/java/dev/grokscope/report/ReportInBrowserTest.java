package dev.grokscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads report.html in headless Chromium (Debian package {@code chromium}) and reads the status element
 * the page writes: every chart drawn, no script error. Skips when Chromium is absent, except under CI
 * (environment variable CI set), where a missing browser fails the test.
 */
class ReportInBrowserTest {
    private static final Pattern STATUS = Pattern.compile("<div id=\"grokscope-status\"([^>]*)>");
    private static String chromium;

    @TempDir
    Path tmp;

    @BeforeEach
    void findChromium() {
        chromium = find();
        if (chromium == null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false")) {
                fail("CI is set but no Chromium was found (looked for chromium, chromium-browser, google-chrome on PATH "
                        + "and $CHROMIUM): install the Debian package 'chromium'");
            }
            Assumptions.abort("Chromium not found (chromium, chromium-browser, google-chrome or $CHROMIUM); "
                    + "install the Debian package 'chromium' to run this test (it fails instead when CI is set)");
        }
    }

    private static String find() {
        List<String> names = new ArrayList<>();
        if (System.getenv("CHROMIUM") != null) {
            names.add(System.getenv("CHROMIUM"));
        }
        names.addAll(List.of("chromium", "chromium-browser", "google-chrome"));
        for (String n : names) {
            if (n.contains(File.separator) && Files.isExecutable(Path.of(n))) {
                return n;
            }
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path p = Path.of(dir, n);
                if (!dir.isEmpty() && Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    @Test
    void runReportDrawsEveryChartWithoutScriptErrors() throws Exception {
        Path copy = RealRuns.copy(RealRuns.run(), tmp.resolve("run"));
        checkInBrowser(Reports.write(copy), RunFigures.of(RunData.read(copy)).size());
    }

    @Test
    void sweepReportDrawsEveryChartWithoutScriptErrors() throws Exception {
        Path copy = RealRuns.copy(RealRuns.sweep(), tmp.resolve("sweep"));
        checkInBrowser(Reports.write(copy), SweepFigures.of(SweepData.read(copy)).size());
    }

    @Test
    void reportOfARunStillGoingLoadsWithoutScriptErrors() throws Exception {
        Path copy = RealRuns.copy(RealRuns.run(), tmp.resolve("going"));
        Files.delete(copy.resolve("summary.json"));
        Files.delete(copy.resolve("spectra.csv"));
        checkInBrowser(Reports.write(copy), RunFigures.of(RunData.read(copy)).size());
    }

    private void checkInBrowser(Reports.Report report, int figures) throws Exception {
        String url = report.html().toUri().toString();
        String dom = chromium(tmp.resolve("dom.html"), "--dump-dom", url);
        Matcher m = STATUS.matcher(dom);
        assertTrue(m.find(), "the page has its status element; DOM starts: " + dom.substring(0, Math.min(500, dom.length())));
        String attrs = m.group(1);
        assertEquals("true", attr(attrs, "data-done"), "the drawing script ran to its end: " + attrs);
        assertEquals("0", attr(attrs, "data-errors"), "no script errors: " + statusText(dom));
        assertEquals(String.valueOf(figures), attr(attrs, "data-expected"));
        assertEquals(String.valueOf(figures), attr(attrs, "data-charts"), "every chart drawn: " + attrs);
        assertTrue(dom.contains("class=\"uplot"), "uPlot drew into the page");

        Path shot = tmp.resolve("screenshot.png");
        chromium(tmp.resolve("shot.log"), "--screenshot=" + shot, "--window-size=1400,2000", url);
        assertTrue(Files.isRegularFile(shot), "screenshot written");
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(1400, img.getWidth());
        assertEquals(2000, img.getHeight());
        assertTrue(Images.greyVariance(img) > 50, "screenshot is not blank");
        assertTrue(Images.colours(img) > 50, "screenshot shows coloured charts");
    }

    /** Runs Chromium headless with a fresh profile; returns its standard output. */
    private String chromium(Path stdout, String... args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(tmp, "profile");
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile())
                .redirectError(tmp.resolve(stdout.getFileName() + ".err").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 120 s: " + String.join(" ", cmd));
        }
        assertEquals(0, p.exitValue(), "chromium exit code; stderr: "
                + Files.readString(tmp.resolve(stdout.getFileName() + ".err"), StandardCharsets.UTF_8));
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    private static String attr(String attrs, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(attrs);
        return m.find() ? m.group(1) : null;
    }

    private static String statusText(String dom) {
        int i = dom.indexOf("id=\"grokscope-status\"");
        int end = dom.indexOf("</div>", i);
        return i < 0 || end < 0 ? "" : dom.substring(i, end);
    }
}
