package dev.grokscope.listen;

import dev.grokscope.train.Evaluation;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;

/**
 * Tracks the grokking signature: the first evaluated epochs at which train and validation accuracy
 * reach {@link #THRESHOLD}, and the last evaluation. Optionally stops the run once validation groks.
 */
public final class GrokTracker implements TrainingListener {
    /** Accuracy that counts as learned (Power et al.; Nanda et al. use 99%). */
    public static final double THRESHOLD = 0.99;
    private final boolean stopAtGrok;
    private Integer epochTrain99;
    private Integer epochVal99;
    private Double valAccuracyAtTrain99;
    private double bestValAccuracy = Double.NaN;
    private Evaluation last;
    private Evaluation lastFinite;

    public GrokTracker(boolean stopAtGrok) {
        this.stopAtGrok = stopAtGrok;
    }

    @Override
    public void onEvaluation(TrainingContext ctx, Evaluation e) {
        boolean groks = observe(e);
        if (groks && stopAtGrok) {
            ctx.requestStop(RunStatus.COMPLETED, "validation accuracy reached " + THRESHOLD);
        }
    }

    /** Feeds evaluations recorded before a resume, in order, as if they had just happened. */
    public void replay(java.util.List<Evaluation> earlier) {
        earlier.forEach(this::observe);
    }

    /** Records one evaluation; returns whether validation reached the threshold for the first time. */
    private boolean observe(Evaluation e) {
        last = e;
        if (e.finite()) {
            lastFinite = e;
        }
        if (epochTrain99 == null && e.trainAccuracy() >= THRESHOLD) {
            epochTrain99 = e.epoch();
            valAccuracyAtTrain99 = e.valAccuracy();
        }
        if (Double.isNaN(bestValAccuracy) || e.valAccuracy() > bestValAccuracy) {
            bestValAccuracy = e.valAccuracy();
        }
        if (epochVal99 == null && e.valAccuracy() >= THRESHOLD) {
            epochVal99 = e.epoch();
            return true;
        }
        return false;
    }

    /** First evaluated epoch with train accuracy >= 0.99, or null. */
    public Integer epochTrain99() {
        return epochTrain99;
    }

    /** First evaluated epoch with validation accuracy >= 0.99, or null. */
    public Integer epochVal99() {
        return epochVal99;
    }

    /** Validation accuracy at {@link #epochTrain99()}: low means generalisation came later. */
    public Double valAccuracyAtTrain99() {
        return valAccuracyAtTrain99;
    }

    public double bestValAccuracy() {
        return bestValAccuracy;
    }

    public Evaluation last() {
        return last;
    }

    public Evaluation lastFinite() {
        return lastFinite;
    }
}
