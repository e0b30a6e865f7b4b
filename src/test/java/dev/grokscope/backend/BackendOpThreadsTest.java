package dev.grokscope.backend;

import dev.grokscope.BadInputException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ND4J's op threads: one unless grokscope.opThreads asks for more; a bad value is bad input. */
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
}
