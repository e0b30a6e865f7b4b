package dev.grokscope.backend;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** On Linux a thread can put itself in the idle scheduling class, and only itself. */
class IdlePriorityTest {
    @Test
    void aThreadLowersItselfAndNoOther() throws InterruptedException {
        assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "SCHED_IDLE is Linux's");
        AtomicBoolean lowered = new AtomicBoolean();
        AtomicBoolean idle = new AtomicBoolean();
        Thread t = new Thread(() -> {
            lowered.set(IdlePriority.lowerCurrentThread());
            idle.set(IdlePriority.isCurrentThreadIdle());
        });
        t.start();
        t.join();
        assertTrue(lowered.get(), "sched_setscheduler(SCHED_IDLE) on the calling thread succeeds");
        assertTrue(idle.get(), "the thread reports the idle policy");
        assertFalse(IdlePriority.isCurrentThreadIdle(), "the test's own thread keeps its priority");
    }
}
