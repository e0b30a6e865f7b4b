package dev.grokscope.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code grokscope warn} end to end on the recorded runs of src/test/resources/dev/grokscope/warn. */
class WarnCommandIT {
    private static final Path FIXTURES = Path.of("src/test/resources/dev/grokscope/warn").toAbsolutePath();

    @TempDir
    Path tmp;

    @Test
    void writesTheTableAndFiguresReadableByPandas() throws Exception {
        Path out = tmp.resolve("ew");
        Cli.Result r = Cli.run("warn", FIXTURES.resolve("nanda-mod113-to-1600").toString(),
                FIXTURES.resolve("mlp-wd0-seed0").toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("(2 run(s), 5 files)"), r.out());
        assertTrue(Files.size(out.resolve("figures/nanda-mod113-to-1600.png")) > 1000);
        assertTrue(Files.readString(out.resolve("early-warning.md")).contains("1200 blocks.0.attn.W_Q (hit) | 5650 |"));
        String py = Cli.python();
        if (py != null) {
            String got = Cli.python(py, """
                    import sys, pandas as pd
                    t = pd.read_csv(sys.argv[1])
                    g, q = t.iloc[0], t.iloc[1]
                    print(int(g.spectral_warning_epoch), g.spectral_matrix, int(g.spectral_lead), g.spectral_outcome,
                          int(g.train_loss_warning_epoch), int(g.weight_norm_warning_epoch), q.spectral_outcome,
                          pd.isna(q.spectral_warning_epoch))
                    """, out.resolve("early-warning.csv").toString());
            assertEquals("1200 blocks.0.attn.W_Q 5650 hit 1390 1500 quiet True", got.strip());
        }
    }

    @Test
    void aDirectoryThatIsNoRunIsOneLineExitTwoNothingWritten() throws Exception {
        Path out = tmp.resolve("ew");
        Path nothing = Files.createDirectory(tmp.resolve("nothing"));
        Cli.Result r = Cli.run("warn", FIXTURES.resolve("mlp-wd0-seed0").toString(), nothing.toString(),
                "--out", out.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("grokscope: " + nothing + ": neither a run directory"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
