package dev.grokscope.results;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    /** Streamed content lands whole; a writer that fails halfway leaves the old file and no temporary. */
    @Test
    void streamedContentIsWholeOrNotThere() throws IOException {
        Path f = tmp.resolve("sub").resolve("state.zip");
        byte[] big = new byte[3 << 20]; // past the stream's buffer several times
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        AtomicFiles.write(f, out -> {
            for (int i = 0; i < big.length; i += 1000) {
                out.write(big, i, Math.min(1000, big.length - i));
            }
        });
        assertArrayEquals(big, Files.readAllBytes(f));

        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[1 << 20]);
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertArrayEquals(big, Files.readAllBytes(f), "the old content is kept");
        try (var s = Files.list(f.getParent())) {
            assertEquals(List.of(f), s.toList(), "no temporary file left");
        }
    }
}
