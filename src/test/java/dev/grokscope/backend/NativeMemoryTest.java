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
        AtomicLong trims = new AtomicLong();
        NativeMemory m = new NativeMemory(30 * S, now::get, () -> 0L, trims::incrementAndGet);
        now.addAndGet(29 * S);
        assertFalse(m.tick());
        now.addAndGet(S);
        assertTrue(m.tick());
        now.addAndGet(29 * S);
        assertFalse(m.tick(), "30 s after the last collection, not after the start");
        now.addAndGet(S);
        assertTrue(m.tick());
        assertEquals(2, m.collections());
        assertEquals(2, trims.get(), "the C heap is trimmed with every collection");
    }

    @Test
    void collectsWhenTheHeapHasGrownByTheHeadroomSinceTheLastCollection() {
        long mb = 1L << 20;
        // heap in use at each read: construction, then per tick one read, plus one after a collection
        java.util.Iterator<Long> reads = java.util.stream.Stream.of(
                10L, // at construction: next threshold 10 + 32 MB
                41L, // below 42 MB
                42L, 100L, // collects; 100 MB left live: next threshold 100 + max(32, 100) = 200 MB
                199L,
                200L, 20L // collects
        ).map(v -> v * mb).iterator();
        NativeMemory m = new NativeMemory(30 * S, () -> 0L, reads::next, () -> { });
        assertFalse(m.tick(), "start + 31 MB");
        assertTrue(m.tick(), "start + 32 MB");
        assertFalse(m.tick(), "live 100 MB: the headroom is 100 MB, not 32");
        assertTrue(m.tick());
        assertFalse(reads.hasNext());
        assertEquals(2, m.collections());
    }

    /**
     * Heap allocated by work that holds no native memory does not count towards the headroom until a
     * collection of any kind has freed it; what other work allocates still does.
     */
    @Test
    void heapAllocatedWithoutNativeMemoryDoesNotTriggerACollection() {
        long mb = 1L << 20;
        AtomicLong used = new AtomicLong(10 * mb);
        AtomicLong plain = new AtomicLong(); // reported plain-Java allocation, cumulative
        AtomicLong gcs = new AtomicLong();
        NativeMemory m = new NativeMemory(30 * S, () -> 0L, used::get, () -> { }, plain::get, gcs::get);
        used.addAndGet(50 * mb); // all of it from the spectra analysis
        plain.addAndGet(50 * mb);
        assertFalse(m.tick(), "50 MB of plain-Java garbage: no collection for native memory");
        used.addAndGet(31 * mb); // training's own (native-holding) allocation
        assertFalse(m.tick(), "31 MB of training's own: below the 32 MB headroom");
        used.set(41 * mb); // a young collection freed the analysis's garbage
        gcs.incrementAndGet();
        assertFalse(m.tick(), "after the young collection: 31 MB above the start");
        used.addAndGet(mb);
        assertTrue(m.tick(), "32 MB of training's own");
        assertEquals(1, m.collections());
    }

    @Test
    void zeroIntervalNeverCollects() {
        AtomicLong now = new AtomicLong();
        AtomicLong trims = new AtomicLong();
        NativeMemory m = new NativeMemory(0, now::get, () -> Long.MAX_VALUE, trims::incrementAndGet);
        now.addAndGet(3_600 * S);
        assertFalse(m.tick());
        assertEquals(0, m.collections());
        assertEquals(0, trims.get());
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
