package dev.grokscope.results;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ProvenanceTest {

    /**
     * run.json names the commit the code was built from (the build wrote it into the classes), whatever
     * directory the process runs in: the tests run in the checkout that was just built, so it is its HEAD.
     */
    @Test
    void theCommitIsTheOneTheCodeWasBuiltFrom() throws Exception {
        assumeTrue(Files.isDirectory(Path.of(".git")), "built from a git checkout");
        Provenance.BuildCommit build = Provenance.buildCommit();
        assertNotNull(build.commit(), "the build writes git.properties into the classes");
        assertTrue(build.commit().matches("[0-9a-f]{40}"), build.commit());
        assertEquals(git("rev-parse", "HEAD"), build.commit());
        assertNotNull(build.dirty());

        Map<String, Object> m = Provenance.collect(dev.grokscope.backend.Backend.start(), List.of("grokscope", "run", "x.yaml"));
        assertEquals(build.commit(), m.get("git_commit"));
        assertEquals(build.dirty(), m.get("git_dirty"));
    }

    private static String git(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "git";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
        return out;
    }
}
