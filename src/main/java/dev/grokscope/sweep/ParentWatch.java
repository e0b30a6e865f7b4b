package dev.grokscope.sweep;

import java.util.Optional;

/**
 * Ends this JVM when the sweep that started it is gone, so that a sweep killed with SIGKILL (which runs
 * no shutdown hook) leaves no run training on unseen. The run directory then still says
 * {@code running}, and re-running the sweep restarts it.
 */
public final class ParentWatch {
    private ParentWatch() {
    }

    /** Starts the watch if {@value JavaLauncher#PARENT_PID} is set; polls once a second. */
    public static void startIfRequested() {
        String pid = System.getProperty(JavaLauncher.PARENT_PID);
        if (pid == null) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid));
        Thread t = new Thread(() -> {
            while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.err.println("grokscope: the sweep that started this run (pid " + pid + ") is gone; stopping");
            System.exit(143);
        }, "grokscope-parent-watch");
        t.setDaemon(true);
        t.start();
    }
}
