package dev.grokscope.backend;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the calling thread in the operating system's idle scheduling class, so that it runs only on a core
 * that no other thread of normal priority wants: work that may take the CPU training leaves unused, and
 * never CPU that training would use.
 *
 * <p>On Linux the thread's policy becomes {@code SCHED_IDLE} ({@code sched_setscheduler(0, SCHED_IDLE)},
 * which applies to the calling thread only; no privilege is needed to lower one's own priority). A
 * thread of normal priority that wakes up preempts it at once, and while every core is busy it does not
 * run at all; whoever needs its result must be ready to do the work itself (the spectra pipeline's
 * training thread does: {@code snapshot.SpectraPipeline}). Elsewhere, or if the call fails, the thread
 * keeps its priority and {@link #lowerCurrentThread} says so.
 */
public final class IdlePriority {
    private static final Logger LOG = LoggerFactory.getLogger(IdlePriority.class);
    /** Linux's SCHED_IDLE (include/uapi/linux/sched.h). */
    private static final int SCHED_IDLE = 5;

    private IdlePriority() {
    }

    /** The libc calls used here. */
    private interface LibC extends Library {
        int sched_setscheduler(int pid, int policy, int[] param);

        int sched_getscheduler(int pid);
    }

    /** The C library, or null where it cannot be loaded or this is not Linux. */
    private static final class Holder {
        static final LibC C = load();

        private static LibC load() {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                return null;
            }
            try {
                return (LibC) Native.loadLibrary("c", LibC.class);
            } catch (LinkageError | RuntimeException e) { // no JNA native support here: stay at normal priority
                LOG.debug("libc not loadable through JNA ({}); threads keep their priority", e.toString());
                return null;
            }
        }
    }

    /** Lowers the calling thread to the idle class; true if it now is there. */
    public static boolean lowerCurrentThread() {
        LibC c = Holder.C;
        if (c == null) {
            return false;
        }
        try {
            if (c.sched_setscheduler(0, SCHED_IDLE, new int[] {0}) != 0) {
                LOG.debug("sched_setscheduler(SCHED_IDLE) failed (errno {}); the thread keeps its priority",
                        Native.getLastError());
                return false;
            }
            return true;
        } catch (LinkageError | RuntimeException e) {
            LOG.debug("sched_setscheduler unavailable ({}); the thread keeps its priority", e.toString());
            return false;
        }
    }

    /** Whether the calling thread is in the idle class (false where that cannot be told). */
    public static boolean isCurrentThreadIdle() {
        LibC c = Holder.C;
        try {
            return c != null && c.sched_getscheduler(0) == SCHED_IDLE;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }
}
