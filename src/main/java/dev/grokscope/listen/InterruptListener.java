package dev.grokscope.listen;

import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns SIGTERM (what SLURM sends before a kill) and SIGINT (Ctrl-C) into a clean stop at the end of
 * the current epoch: the run is marked {@code interrupted} and {@link CheckpointWriter} saves it. A
 * second signal is not caught: it ends the JVM at once. Must be the first listener.
 */
public final class InterruptListener implements TrainingListener {
    private final AtomicReference<String> signal = new AtomicReference<>();

    /** Installs the handlers (sun.misc.Signal, the JDK's supported way to catch signals). */
    @SuppressWarnings("removal")
    public InterruptListener install() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    signal.compareAndSet(null, "SIG" + s.getName());
                    sun.misc.Signal.handle(s, sun.misc.SignalHandler.SIG_DFL); // a second one kills
                });
            } catch (IllegalArgumentException e) {
                // signal not available on this platform
            }
        }
        return this;
    }

    /** Asks for the same stop as a signal would (for tests and embedding). */
    public void request(String reason) {
        signal.compareAndSet(null, reason);
    }

    @Override
    public void onEpochEnd(TrainingContext ctx) {
        String s = signal.get();
        if (s != null && ctx.stopStatus() == null) {
            ctx.requestStop(RunStatus.INTERRUPTED, s + " received at epoch " + ctx.epoch() + "; checkpoint written");
        }
    }
}
