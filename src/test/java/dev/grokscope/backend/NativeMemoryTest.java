package dev.grokscope.backend;

import dev.grokscope.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeMemoryTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    @Test
    void collectsOncePerIntervalCountedFromTheLastCollection() {
        AtomicLong now = new AtomicLong(1_000 * S);
        NativeMemory m = new NativeMemory(30 * S, now::get);
        now.addAndGet(29 * S);
        assertFalse(m.tick());
        now.addAndGet(S);
        assertTrue(m.tick());
        now.addAndGet(29 * S);
        assertFalse(m.tick(), "30 s after the last collection, not after the start");
        now.addAndGet(S);
        assertTrue(m.tick());
        assertEquals(2, m.collections());
    }

    @Test
    void zeroIntervalNeverCollects() {
        AtomicLong now = new AtomicLong();
        NativeMemory m = new NativeMemory(0, now::get);
        now.addAndGet(3_600 * S);
        assertFalse(m.tick());
        assertEquals(0, m.collections());
    }

    @Test
    void propertyMustBeAFiniteNumberOfSecondsAtLeastZero() {
        String old = System.getProperty(NativeMemory.PROPERTY);
        try {
            for (String bad : new String[] {"soon", "-1", "NaN", "Infinity"}) {
                System.setProperty(NativeMemory.PROPERTY, bad);
                BadInputException e = assertThrows(BadInputException.class, NativeMemory::fromSystemProperty, bad);
                assertTrue(e.getMessage().startsWith("system property grokscope.gcSeconds: must be"), e.getMessage());
            }
            System.setProperty(NativeMemory.PROPERTY, "0");
            assertFalse(NativeMemory.fromSystemProperty().tick());
        } finally {
            if (old == null) {
                System.clearProperty(NativeMemory.PROPERTY);
            } else {
                System.setProperty(NativeMemory.PROPERTY, old);
            }
        }
    }
}
