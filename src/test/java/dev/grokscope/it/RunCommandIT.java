package dev.grokscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code grokscope run} end to end: real DL4J training through the packaged CLI, files read back as users do. */
class RunCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A small run with the grokking signature: train accuracy reaches 99% long before validation does. */
    @Test
    void quickstartGroksWithDelayedGeneralisation() throws Exception {
        Path out = tmp.resolve("grok");
        Cli.Result r = Cli.run("run", "configs/quickstart.yaml", "--set", "training.epochs=120",
                "--set", "training.stopAtGrok=true", "--set", "instrumentation.spectraEvery=5", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals("completed", s.get("status").asText());
        int train99 = s.get("epoch_train_99").asInt();
        int val99 = s.get("epoch_val_99").asInt();
        assertTrue(val99 <= 120, "grokked within the budget");
        assertTrue(val99 >= train99 + 5, "generalisation delayed: train99 " + train99 + ", val99 " + val99);
        List<CSVRecord> rows = csv(out.resolve("metrics.csv"));
        CSVRecord atTrain99 = rows.stream().filter(row -> row.get("epoch").equals(String.valueOf(train99)))
                .findFirst().orElseThrow();
        double valAcc = Double.parseDouble(atTrain99.get("val_accuracy"));
        assertTrue(valAcc < 0.5, "validation accuracy at train99 was " + valAcc);
        assertEquals(valAcc, s.get("val_accuracy_at_train_99").asDouble());
        assertEquals("completed", JSON.readTree(out.resolve("run.json").toFile()).get("status").asText());
    }

    @Test
    void sameSeedWritesIdenticalMetricsAndSpectra() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        for (Path d : List.of(a, b)) {
            Cli.Result r = Cli.run("run", "configs/quickstart.yaml", "--set", "data.p=23", "--set", "model.width=64",
                    "--set", "training.epochs=25", "--set", "seed=3", "--out", d.toString());
            assertEquals(0, r.exit(), r.err());
        }
        List<CSVRecord> ma = csv(a.resolve("metrics.csv"));
        List<CSVRecord> mb = csv(b.resolve("metrics.csv"));
        assertEquals(26, ma.size());
        for (int i = 0; i < ma.size(); i++) {
            for (String col : ma.get(i).getParser().getHeaderNames()) {
                if (!dev.grokscope.listen.MetricsWriter.MACHINE_COLUMNS.contains(col)) {
                    assertEquals(ma.get(i).get(col), mb.get(i).get(col), "metrics row " + i + " " + col);
                }
            }
        }
        assertEquals(Files.readString(a.resolve("spectra.csv")), Files.readString(b.resolve("spectra.csv")));
        try (Stream<Path> files = Files.walk(a.resolve("spectra"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(b.resolve(a.relativize(f))), f.toString());
            }
        }
        assertArrayEquals(Files.readAllBytes(a.resolve("weights/final/layers.0.W.npy")),
                Files.readAllBytes(b.resolve("weights/final/layers.0.W.npy")));
    }

    /** numpy and pandas read every file as it is; the last spectrum equals numpy's SVD of the final weights. */
    @Test
    void numpyAndPandasReadEveryFileAndAgreeWithTheSpectra() throws Exception {
        String py = Cli.python();
        if (py == null) {
            Assumptions.assumeTrue(System.getenv("CI") == null, "CI must provide python3 with numpy and pandas");
            Assumptions.abort("no python3 with numpy and pandas here (apt-get install python3-numpy python3-pandas)");
        }
        Path out = tmp.resolve("np");
        Cli.Result r = Cli.run("run", "configs/quickstart.yaml", "--set", "data.p=31", "--set", "model.width=96",
                "--set", "training.epochs=12", "--set", "instrumentation.spectraEvery=4", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        String report = Cli.python(py, """
                import sys, glob, os, json
                import numpy as np, pandas as pd
                d = sys.argv[1]
                m = pd.read_csv(os.path.join(d, 'metrics.csv'))
                s = pd.read_csv(os.path.join(d, 'spectra.csv'))
                ep = np.load(os.path.join(d, 'spectra', 'epochs.npy'))
                assert ep.ndim == 1 and ep.dtype == np.float64, ep.shape
                assert list(ep) == [0, 4, 8, 12], ep
                assert list(m['epoch']) == list(range(13))
                worst = 0.0
                for f in sorted(glob.glob(os.path.join(d, 'spectra', 'layers.*.npy'))):
                    name = os.path.basename(f)[:-4]
                    sv = np.load(f)
                    assert sv.dtype == np.float64 and sv.shape[0] == len(ep), sv.shape
                    w = np.load(os.path.join(d, 'weights', 'final', name + '.npy'))
                    ref = np.linalg.svd(w, compute_uv=False)
                    worst = max(worst, float(np.max(np.abs(sv[-1] - ref) / ref)))
                    last = s[(s['matrix'] == name) & (s['epoch'] == 12)]
                    assert len(last) == 1
                    assert abs(last['frobenius_norm'].iloc[0] - np.linalg.norm(w)) < 1e-9 * np.linalg.norm(w)
                    assert abs(last['spectral_norm'].iloc[0] - ref[0]) < 1e-9 * ref[0]
                json.load(open(os.path.join(d, 'summary.json'))); json.load(open(os.path.join(d, 'run.json')))
                print(len(s), worst)
                """, out.toString());
        String[] parts = report.strip().split(" ");
        assertEquals(8, Integer.parseInt(parts[0]), "2 matrices x 4 snapshots");
        assertTrue(Double.parseDouble(parts[1]) < 1e-6, "relative error vs numpy SVD: " + parts[1]);
    }

    @Test
    void doctorReportsTheBackend() throws Exception {
        Cli.Result r = Cli.run("doctor");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("backend") && r.out().contains("CPU"), r.out());
        assertTrue(r.out().contains("blas_vendor") && r.out().contains("OPENBLAS"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("native heap trim +yes .*")), r.out()); // JDK 17.0.9+, glibc
    }

    @Test
    void analyzePrintsGoldenValues() throws Exception {
        Path golden = dev.grokscope.spectra.GoldenSpectra.DIR;
        assertTrue(Files.isDirectory(golden), "the golden set in src/test/resources/golden/spectra");
        Cli.Result r = Cli.run("analyze", golden.resolve("student_t.npy").toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode got = JSON.readTree(r.out()).get("matrices").get("student_t");
        JsonNode want = JSON.readTree(golden.resolve("golden.json").toFile()).get("matrices").get("student_t");
        for (String k : List.of("alpha", "xmin", "D", "sigma", "stable_rank", "effective_rank_normalized")) {
            assertNotNull(got.get(k), k);
            assertEquals(want.get(k).asDouble(), got.get(k).asDouble(), 1e-6 * Math.abs(want.get(k).asDouble()), k);
        }
    }

    static List<CSVRecord> csv(Path file) throws Exception {
        try (Reader in = Files.newBufferedReader(file)) {
            return CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(in).getRecords();
        }
    }
}
