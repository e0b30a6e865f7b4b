package dev.grokscope.backend;

import dev.grokscope.BadInputException;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps ND4J's native memory from piling up behind the garbage collector.
 *
 * <p>ND4J frees an array's native buffer (and each op's native context) only after the garbage
 * collector has found its small Java object unreachable. A step of the Nanda transformer allocates
 * ~1 MB of small Java objects and ~0.15 MB of native memory that only their collection frees. Left to
 * itself G1 lets both pile up: it grows the young generation when collections look cheap (once to
 * 116 MB of garbage: resident memory +145 MB, the heap's own pages and the native buffers behind
 * them), and collects promoted objects only after a marking cycle, which a small heap rarely starts
 * (after 900 epochs one full collection freed 111 MB of resident memory). Over 15,000 epochs resident
 * memory grew from 405 to 805 MB.
 *
 * <p>{@link #tick()}, called after every training step and epoch, runs a full collection
 * ({@code System.gc()}, which is also what ND4J's own {@code MemoryManager.invokeGc()} does) when the
 * Java heap in use has grown by the headroom since the last one (the larger of 32 MB and what the last
 * collection left live), or when the interval has passed ({@value #DEFAULT_SECONDS} s by default; the
 * system property {@value #PROPERTY} sets another, 0 turns both triggers off). Native garbage is then
 * bounded for the whole run instead of growing with G1's sizing. A full collection of this small heap
 * takes 20-70 ms: on the Nanda run one every ~9 s, 0.6% of the time (with 30 s and 64 MB: 0.2%, and a
 * resident-memory band twice as wide).
 *
 * <p>Before each collection it also trims the C heap ({@link NativeHeapTrim}): what the previous
 * collection freed goes back to the operating system instead of staying resident in malloc's arenas,
 * whose high-water mark would otherwise creep up over the first few thousand epochs. Numerics do not
 * depend on any of it.
 */
public final class NativeMemory {
    public static final String PROPERTY = "grokscope.gcSeconds";
    public static final int DEFAULT_SECONDS = 10;
    static final long MIN_HEADROOM_BYTES = 32L << 20;

    private final long intervalNanos;
    private final LongSupplier clock;
    private final LongSupplier heapUsed;
    private final Runnable trim;
    private long last;
    private long threshold;
    private long collections;

    NativeMemory(long intervalNanos, LongSupplier clock, LongSupplier heapUsed, Runnable trim) {
        this.intervalNanos = intervalNanos;
        this.clock = clock;
        this.heapUsed = heapUsed;
        this.trim = trim;
        this.last = clock.getAsLong();
        this.threshold = heapUsed.getAsLong() + MIN_HEADROOM_BYTES;
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
        Runtime rt = Runtime.getRuntime();
        return new NativeMemory((long) (seconds * TimeUnit.SECONDS.toNanos(1)), System::nanoTime,
                () -> rt.totalMemory() - rt.freeMemory(), NativeHeapTrim::trim);
    }

    /**
     * Trims the C heap and collects if the heap has grown by the headroom or the interval has passed;
     * true if it did.
     */
    public boolean tick() {
        if (intervalNanos <= 0) {
            return false;
        }
        if (clock.getAsLong() - last < intervalNanos && heapUsed.getAsLong() < threshold) {
            return false;
        }
        trim.run(); // what the last collection let ND4J free
        System.gc();
        collections++;
        last = clock.getAsLong();
        long live = heapUsed.getAsLong();
        threshold = live + Math.max(MIN_HEADROOM_BYTES, live);
        return true;
    }

    /** Collections run so far. */
    public long collections() {
        return collections;
    }
}
