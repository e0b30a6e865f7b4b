package dev.grokscope.backend;

import dev.grokscope.BadInputException;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
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
 *
 * <p>Heap that holds no native memory does not count: work that allocates only plain Java objects (the
 * spectra analysis) reports it ({@link #allocatedWithoutNativeMemory}), and the growth measured is the
 * heap in use less what was so reported since the last collection of any kind (a young collection frees
 * that garbage without help). Counted as it was, the analysis of spectra every epoch (2.3 MB of Java
 * garbage a Nanda snapshot) made a 300-epoch Nanda run collect 51 times instead of 18, 0.8 s of pauses.
 */
public final class NativeMemory {
    public static final String PROPERTY = "grokscope.gcSeconds";
    public static final int DEFAULT_SECONDS = 10;
    static final long MIN_HEADROOM_BYTES = 32L << 20;

    private final long intervalNanos;
    private final LongSupplier clock;
    private final LongSupplier heapUsed;
    /** Heap allocated so far, process-wide, by work that holds no native memory. */
    private static final java.util.concurrent.atomic.AtomicLong WITHOUT_NATIVE = new java.util.concurrent.atomic.AtomicLong();
    private final Runnable trim;
    private final LongSupplier withoutNative;
    private final LongSupplier gcCount;
    private long last;
    private long threshold;
    private long collections;
    private long gcsSeen;
    private long withoutNativeBase;

    NativeMemory(long intervalNanos, LongSupplier clock, LongSupplier heapUsed, Runnable trim) {
        this(intervalNanos, clock, heapUsed, trim, () -> 0L, () -> 0L);
    }

    /**
     * @param withoutNative heap allocated so far by work that holds no native memory
     * @param gcCount collections of any kind so far
     */
    NativeMemory(long intervalNanos, LongSupplier clock, LongSupplier heapUsed, Runnable trim,
                 LongSupplier withoutNative, LongSupplier gcCount) {
        this.intervalNanos = intervalNanos;
        this.clock = clock;
        this.heapUsed = heapUsed;
        this.trim = trim;
        this.withoutNative = withoutNative;
        this.gcCount = gcCount;
        this.last = clock.getAsLong();
        this.threshold = heapUsed.getAsLong() + MIN_HEADROOM_BYTES;
        this.gcsSeen = gcCount.getAsLong();
        this.withoutNativeBase = withoutNative.getAsLong();
    }

    /**
     * Reports Java heap allocated by work that holds no native memory (plain arrays and objects, no ND4J
     * array), so that it does not trigger collections meant for ND4J's native memory.
     */
    public static void allocatedWithoutNativeMemory(long bytes) {
        if (bytes > 0) {
            WITHOUT_NATIVE.addAndGet(bytes);
        }
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
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        return new NativeMemory((long) (seconds * TimeUnit.SECONDS.toNanos(1)), System::nanoTime,
                () -> rt.totalMemory() - rt.freeMemory(), NativeHeapTrim::trim, WITHOUT_NATIVE::get,
                () -> gcs.stream().mapToLong(g -> Math.max(0, g.getCollectionCount())).sum());
    }

    /**
     * Trims the C heap and collects if the heap has grown by the headroom or the interval has passed;
     * true if it did.
     */
    public boolean tick() {
        if (intervalNanos <= 0) {
            return false;
        }
        long gcs = gcCount.getAsLong();
        if (gcs != gcsSeen) { // a collection freed what plain-Java work had left: count it again from here
            gcsSeen = gcs;
            withoutNativeBase = withoutNative.getAsLong();
        }
        long grown = heapUsed.getAsLong() - (withoutNative.getAsLong() - withoutNativeBase);
        if (clock.getAsLong() - last < intervalNanos && grown < threshold) {
            return false;
        }
        trim.run(); // what the last collection let ND4J free
        System.gc();
        collections++;
        last = clock.getAsLong();
        long live = heapUsed.getAsLong();
        threshold = live + Math.max(MIN_HEADROOM_BYTES, live);
        gcsSeen = gcCount.getAsLong();
        withoutNativeBase = withoutNative.getAsLong();
        return true;
    }

    /** Collections run so far. */
    public long collections() {
        return collections;
    }
}
