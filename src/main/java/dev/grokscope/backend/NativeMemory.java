package dev.grokscope.backend;

import dev.grokscope.BadInputException;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps ND4J's native memory from piling up behind the garbage collector.
 *
 * <p>ND4J frees an array's native buffer (and each op's native context) only after the garbage
 * collector has found its small Java object unreachable. A young collection finds most of them, but
 * objects that happened to be live at a collection are promoted, and G1 collects its old generation
 * only after a marking cycle, which a small heap rarely starts: their native memory then stays
 * resident for thousands of epochs, and G1 grows the heap on top. Measured on the Nanda transformer
 * (1 thread): a full collection after 900 epochs freed 111 MB of resident memory in a 136 ms pause.
 *
 * <p>{@link #tick()} runs a full collection ({@code System.gc()}, which is also what ND4J's own
 * {@code MemoryManager.invokeGc()} does) when at least the interval has passed since the previous one,
 * so native garbage is bounded by what a run allocates in one interval. The default interval is
 * {@value #DEFAULT_SECONDS} s (about 0.5% of the time in pauses); the system property
 * {@value #PROPERTY} sets another, 0 turns it off. Numerics do not depend on it.
 */
public final class NativeMemory {
    public static final String PROPERTY = "grokscope.gcSeconds";
    public static final int DEFAULT_SECONDS = 30;

    private final long intervalNanos;
    private final LongSupplier clock;
    private long last;
    private long collections;

    NativeMemory(long intervalNanos, LongSupplier clock) {
        this.intervalNanos = intervalNanos;
        this.clock = clock;
        this.last = clock.getAsLong();
    }

    /**
     * The interval from {@value #PROPERTY} (seconds, default {@value #DEFAULT_SECONDS}; 0 = never).
     *
     * @throws BadInputException if the property is not a finite number >= 0
     */
    public static NativeMemory fromSystemProperty() {
        String s = System.getProperty(PROPERTY, String.valueOf(DEFAULT_SECONDS)).trim();
        double seconds;
        try {
            seconds = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new BadInputException("system property " + PROPERTY + ": must be a number of seconds, got '" + s + "'");
        }
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new BadInputException("system property " + PROPERTY + ": must be a finite number of seconds >= 0, got '" + s + "'");
        }
        return new NativeMemory((long) (seconds * TimeUnit.SECONDS.toNanos(1)), System::nanoTime);
    }

    /** Collects if the interval has passed since the last collection; true if it did. */
    public boolean tick() {
        if (intervalNanos <= 0) {
            return false;
        }
        long now = clock.getAsLong();
        if (now - last < intervalNanos) {
            return false;
        }
        System.gc();
        collections++;
        last = clock.getAsLong();
        return true;
    }

    /** Collections run so far. */
    public long collections() {
        return collections;
    }
}
