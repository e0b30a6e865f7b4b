package dev.grokscope.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as the kernel counts it (/proc/self/status): the Java heap, ND4J's
 * native buffers, BLAS and everything else together. Not available off Linux (the methods return -1).
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** Current resident set size (VmRSS) in kB, or -1. */
    public static long rssKb() {
        return field("VmRSS:");
    }

    /** Peak resident set size so far (VmHWM) in kB, or -1. */
    public static long peakRssKb() {
        return field("VmHWM:");
    }

    /** kB as MB rounded to one decimal, or NaN for -1 (unknown). */
    public static double mb(long kb) {
        return kb < 0 ? Double.NaN : Math.round(kb / 102.4) / 10.0;
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException | SecurityException ignored) {
            // not Linux, or /proc hidden: unknown
        }
        return -1;
    }
}
