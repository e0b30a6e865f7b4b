package dev.grokscope.backend;

import dev.grokscope.BadInputException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ND4J's op threads: one unless grokscope.opThreads asks for more; a bad value is bad input. The cores
 * training may use: OMP_NUM_THREADS where it is a count, else every core.
 */
class BackendOpThreadsTest {
    @Test
    void oneOpThreadUnlessAskedForMore() {
        assertEquals(Backend.DEFAULT_OP_THREADS, Backend.opThreads(null));
        assertEquals(1, Backend.DEFAULT_OP_THREADS);
        assertEquals(4, Backend.opThreads("4"));
        assertEquals(2, Backend.opThreads(" 2 "));
    }

    @Test
    void aBadValueNamesTheProperty() {
        for (String bad : new String[] {"0", "-1", "two", ""}) {
            BadInputException e = assertThrows(BadInputException.class, () -> Backend.opThreads(bad), bad);
            assertTrue(e.getMessage().startsWith("system property grokscope.opThreads: "), e.getMessage());
        }
    }

    @Test
    void computeThreadsAreOmpNumThreadsOrEveryCore() {
        assertEquals(2, Backend.computeThreads("2", 8));
        assertEquals(1, Backend.computeThreads(" 1 ", 8));
        for (String notACount : new String[] {null, "", "0", "-2", "two", "99999"}) {
            assertEquals(8, Backend.computeThreads(notACount, 8), String.valueOf(notACount));
        }
        assertEquals(1, Backend.computeThreads(null, 0), "at least one");
    }
}
