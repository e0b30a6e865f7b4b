package dev.grokscope.backend;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Returns the C heap's free pages to the operating system: the JVM's own diagnostic command
 * {@code System.trim_native_heap} (glibc's {@code malloc_trim(0)}; JDK 17.0.9 and later, on Linux with
 * glibc), called in process through the platform MBean server, as {@code jcmd PID System.trim_native_heap}
 * would.
 *
 * <p>Why: ND4J allocates every op's native context and scalar with malloc and frees them when their Java
 * objects are collected. Between two collections these small blocks interleave with live ones, and glibc
 * keeps the pages of freed blocks resident unless they sit at the top of an arena; so resident memory
 * climbs to the largest pile-up seen so far and stays there (Nanda run: two malloc arenas grew from
 * 14 and 10 MB to 22 and 15 MB over epochs 100-800; one trim at epoch ~4,500 returned 54 MB).
 * Where the command does not exist {@link #trim()} does nothing.
 */
public final class NativeHeapTrim {
    private static final Logger log = LoggerFactory.getLogger(NativeHeapTrim.class);
    private static final String OPERATION = "systemTrimNativeHeap";
    private static final Pattern REPORT = Pattern.compile("RSS\\+Swap: (\\d+)([KMG])->(\\d+)([KMG])");

    private static Boolean available; // these three: guarded by the class (available() is synchronized)
    private static MBeanServer server;
    private static ObjectName command;

    private NativeHeapTrim() {
    }

    /** True if this JVM has the command (checked once). */
    public static synchronized boolean available() {
        if (available == null) {
            try {
                server = ManagementFactory.getPlatformMBeanServer();
                command = new ObjectName("com.sun.management:type=DiagnosticCommand");
                available = Arrays.stream(server.getMBeanInfo(command).getOperations())
                        .map(MBeanOperationInfo::getName).anyMatch(OPERATION::equals);
            } catch (Exception | LinkageError e) { // no JMX, no diagnostic commands: nothing to trim with
                available = false;
            }
            if (!available) {
                log.debug("no System.trim_native_heap in this JVM; freed native memory stays with the C allocator");
            }
        }
        return available;
    }

    /**
     * Trims the C heap; returns the resident bytes it gave back (0 if it reported none), or -1 if the
     * JVM cannot trim here (no command, not glibc).
     */
    public static long trim() {
        if (!available()) {
            return -1;
        }
        String report;
        try {
            report = String.valueOf(server.invoke(command, OPERATION, new Object[0], new String[0]));
        } catch (Exception e) {
            log.debug("System.trim_native_heap failed: {}", e.toString());
            return -1;
        }
        return released(report);
    }

    /** The bytes a report like {@code Trim native heap: RSS+Swap: 491M->438M (-54340K)} says went back; -1 if none. */
    static long released(String report) {
        Matcher m = REPORT.matcher(report);
        if (!m.find()) {
            return -1;
        }
        return Math.max(0, bytes(m.group(1), m.group(2)) - bytes(m.group(3), m.group(4)));
    }

    private static long bytes(String n, String unit) {
        int shift = switch (unit) {
            case "K" -> 10;
            case "M" -> 20;
            default -> 30;
        };
        return Long.parseLong(n) << shift;
    }
}
