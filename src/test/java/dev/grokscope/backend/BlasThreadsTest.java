package dev.grokscope.backend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The analysis's BLAS lease on the real OpenBLAS: one thread while held, the count restored after. */
class BlasThreadsTest {
    private int before;

    @BeforeEach
    void threeThreads() {
        Backend.start();
        before = Nd4j.factory().blas().getMaxThreads();
        Nd4j.factory().blas().setMaxThreads(3);
        assertEquals(3, BlasThreads.current(), "the BLAS takes a thread count");
    }

    @AfterEach
    void restore() {
        Nd4j.factory().blas().setMaxThreads(before);
    }

    @Test
    void aLeaseRunsTheBlasOnOneThreadUntilClosed() {
        try (BlasThreads.Lease lease = BlasThreads.singleThreaded()) {
            assertEquals(1, BlasThreads.current());
        }
        assertEquals(3, BlasThreads.current());
    }

    @Test
    void leasesNestAndTheLastOneRestores() {
        BlasThreads.Lease a = BlasThreads.singleThreaded();
        BlasThreads.Lease b = BlasThreads.singleThreaded();
        assertEquals(1, BlasThreads.current());
        a.close();
        a.close(); // a second close does not count twice
        assertEquals(1, BlasThreads.current(), "b is still open");
        b.close();
        assertEquals(3, BlasThreads.current());
    }
}
