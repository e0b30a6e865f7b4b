package dev.grokscope.train;

import dev.grokscope.model.Network;

import java.time.Duration;

/** What listeners may read, and the one thing they may ask: to stop. */
public final class TrainingContext {
    private final Network network;
    private final int epochs;
    private final long startNanos;
    private final int resumedAfter;
    private final int startEpoch;
    private int epoch;
    private boolean last;
    private RunStatus stopStatus;
    private String stopReason;
    private long stepNanos;
    private long stepsTimed;

    TrainingContext(Network network, int epochs, long startNanos, int resumedAfter, int startEpoch) {
        this.network = network;
        this.epochs = epochs;
        this.startNanos = startNanos;
        this.resumedAfter = resumedAfter;
        this.startEpoch = startEpoch;
    }

    /**
     * The epoch of the state training started from: 0 for a new run, the parent state's epoch for a
     * branch ({@code run --from}), the checkpoint's for a resumed run. Nothing has trained at it yet.
     */
    public int startEpoch() {
        return startEpoch;
    }

    /** The checkpoint epoch this run resumed after, or 0 for a run that started from scratch. */
    public int resumedAfter() {
        return resumedAfter;
    }

    public Network network() {
        return network;
    }

    /** The current epoch: 0 before training, then 1..{@link #epochs()}. */
    public int epoch() {
        return epoch;
    }

    /** The configured number of epochs. */
    public int epochs() {
        return epochs;
    }

    /** Whether this is the run's final epoch (the configured last, or one at which a stop was asked). */
    public boolean isLast() {
        return last || epoch == epochs;
    }

    public long step() {
        return network.steps();
    }

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Asks the trainer to stop after this epoch with {@code status} (e.g. DIVERGED, COMPLETED at grok). */
    public void requestStop(RunStatus status, String reason) {
        if (stopStatus == null) {
            stopStatus = status;
            stopReason = reason;
        }
    }

    public RunStatus stopStatus() {
        return stopStatus;
    }

    public String stopReason() {
        return stopReason;
    }

    /** Mean wall time of one optimiser step so far (steps only: no evaluation or instrumentation), ms. */
    public double msPerStep() {
        return stepsTimed == 0 ? Double.NaN : stepNanos / 1e6 / stepsTimed;
    }

    void addStepTime(long nanos, long steps) {
        stepNanos += nanos;
        stepsTimed += steps;
    }

    void epoch(int e) {
        epoch = e;
    }

    void markLast() {
        last = true;
    }
}
