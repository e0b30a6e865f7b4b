package dev.grokscope.backend;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The BLAS's thread count on the real OpenBLAS: set once for the process, one thread while a lease is
 * held, the count restored after. The count is read back from OpenBLAS itself
 * ({@code openblas_get_num_threads} of the library ND4J loaded), not from what BlasThreads remembers.
 */
class BlasThreadsTest {
    private int before;

    @BeforeEach
    void threeThreads() {
        Backend.start();
        before = BlasThreads.current();
        BlasThreads.set(3);
        assertEquals(3, BlasThreads.current(), "the BLAS takes a thread count");
        assertEquals(3, openBlasThreads(), "OpenBLAS itself has the count");
    }

    @AfterEach
    void restore() {
        BlasThreads.set(before);
    }

    @Test
    void aLeaseRunsTheBlasOnOneThreadUntilClosed() {
        try (BlasThreads.Lease lease = BlasThreads.singleThreaded()) {
            assertEquals(1, BlasThreads.current());
            assertEquals(1, openBlasThreads());
        }
        assertEquals(3, BlasThreads.current());
        assertEquals(3, openBlasThreads());
    }

    @Test
    void leasesNestAndTheLastOneRestores() {
        BlasThreads.Lease a = BlasThreads.singleThreaded();
        BlasThreads.Lease b = BlasThreads.singleThreaded();
        assertEquals(1, BlasThreads.current());
        a.close();
        a.close(); // a second close does not count twice
        assertEquals(1, BlasThreads.current(), "b is still open");
        assertEquals(1, openBlasThreads());
        b.close();
        assertEquals(3, BlasThreads.current());
        assertEquals(3, openBlasThreads());
    }

    @Test
    void theCountCannotBeSetUnderALeaseNorBelowOne() {
        try (BlasThreads.Lease lease = BlasThreads.singleThreaded()) {
            assertThrows(IllegalStateException.class, () -> BlasThreads.set(2));
        }
        assertThrows(IllegalArgumentException.class, () -> BlasThreads.set(0));
        assertEquals(3, openBlasThreads());
    }

    /** OpenBLAS's own count, from the library ND4J's BLAS wrapper loaded. */
    static int openBlasThreads() {
        Nd4j.factory().blas();
        String path = Loader.getLoadedLibraries().entrySet().stream()
                .filter(e -> e.getKey().startsWith("openblas_nolapack"))
                .map(java.util.Map.Entry::getValue).findFirst().orElse(null);
        assertNotNull(path, "ND4J's OpenBLAS is loaded: " + Loader.getLoadedLibraries().keySet());
        Function get = NativeLibrary.getInstance(path).getFunction("openblas_get_num_threads");
        return get.invokeInt(new Object[0]);
    }
}
