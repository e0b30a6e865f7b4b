package dev.grokscope.train;

import dev.grokscope.backend.NativeMemory;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.data.ModularDataset;
import dev.grokscope.eval.Evaluator;
import dev.grokscope.eval.Scores;
import dev.grokscope.data.Split;
import dev.grokscope.model.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The training loop: steps through epochs and fires events. It knows nothing of spectra, files or
 * plots; listeners do. Evaluation is the {@link Evaluator}'s, the same every post-hoc command uses.
 */
public final class Trainer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Trainer.class);
    private final Network network;
    private final TrainingSpec spec;
    private final List<TrainingListener> listeners;
    private final ModularDataset train;
    private final Evaluator evaluator;
    private final INDArray trainX;
    private final INDArray trainY;
    private final long shuffleSeed;
    private final NativeMemory nativeMemory = NativeMemory.fromSystemProperty();
    /**
     * Per minibatch length, the features and targets arrays each step's rows are gathered into: a step
     * allocates no native memory for its batch (a new batch each step was ~0.8 MB of native garbage per
     * step of the Power config, freed only by a collection).
     */
    private final java.util.Map<Integer, INDArray[]> minibatches = new java.util.HashMap<>();

    public Trainer(Network network, Split split, TrainingSpec spec, long shuffleSeed, List<TrainingListener> listeners) {
        this.network = network;
        this.spec = spec;
        this.listeners = List.copyOf(listeners);
        this.train = split.train();
        this.evaluator = new Evaluator(network, split);
        this.trainX = evaluator.trainFeatures();
        this.trainY = oneHot(train.labels(), train.p(), trainX);
        this.shuffleSeed = shuffleSeed;
    }

    /** Trains from epoch 1 to the configured last, or until a listener asks to stop; returns how it ended. */
    public RunStatus run() throws Exception {
        return run(0);
    }

    /**
     * Trains from epoch {@code after + 1}: 0 for a new run (epoch 0, the initial state, is evaluated and
     * recorded first), or the epoch of the checkpoint a resumed network was restored from. Each epoch's
     * batch order depends only on the shuffle seed and the epoch, so a resumed run draws the same
     * batches as an uninterrupted one.
     */
    public RunStatus run(int after) throws Exception {
        return after == 0 ? loop(0, 0, 0) : loop(after + 1, after, after);
    }

    /**
     * Trains a branch: the network holds a parent state of epoch {@code epoch} (weights, optimiser state,
     * step count), which is evaluated and recorded as this run's first epoch; training continues from
     * {@code epoch + 1} to the configured last, with this trainer's shuffle seed. The epochs keep the
     * parent's numbering, so epoch E of a branch and of its trunk have taken the same number of steps.
     */
    public RunStatus branch(int epoch) throws Exception {
        if (epoch < 0 || epoch >= spec.epochs()) {
            throw new IllegalArgumentException("a branch starts before the last epoch " + spec.epochs() + ", got " + epoch);
        }
        return loop(epoch, 0, epoch);
    }

    /**
     * @param first the first epoch visited
     * @param resumedAfter the checkpoint epoch of a resumed run (0 otherwise), for listeners that append
     * @param start the epoch of the state training starts from: visited without steps when {@code first == start}
     */
    private RunStatus loop(int first, int resumedAfter, int start) throws Exception {
        TrainingContext ctx = new TrainingContext(network, spec.epochs(), System.nanoTime(), resumedAfter, start);
        for (TrainingListener l : listeners) {
            l.onStart(ctx);
        }
        RunStatus status = RunStatus.COMPLETED;
        try {
            for (int epoch = first; epoch <= spec.epochs(); epoch++) {
                ctx.epoch(epoch);
                if (epoch > start) {
                    long before = network.steps();
                    long t0 = System.nanoTime();
                    trainEpoch(epoch);
                    ctx.addStepTime(System.nanoTime() - t0, network.steps() - before);
                }
                boolean evaluate = epoch % spec.evalEvery() == 0 || epoch == spec.epochs() || epoch == start;
                if (evaluate) {
                    Evaluation e = evaluate(ctx);
                    for (TrainingListener l : listeners) {
                        l.onEvaluation(ctx, e);
                    }
                }
                if (ctx.stopStatus() != null) {
                    ctx.markLast();
                }
                for (TrainingListener l : listeners) {
                    l.onEpochEnd(ctx);
                }
                if (ctx.stopStatus() != null) {
                    status = ctx.stopStatus();
                    break;
                }
                nativeMemory.tick();
            }
        } catch (Exception | Error e) {
            for (Exception again : fireEnd(ctx, RunStatus.FAILED)) {
                LOG.warn("while ending the failed run, {} failed too: {}", again.getClass().getSimpleName(), again.getMessage());
                e.addSuppressed(again);
            }
            throw e;
        }
        List<Exception> failures = fireEnd(ctx, status);
        if (!failures.isEmpty()) {
            Exception thrown = failures.get(0);
            failures.subList(1, failures.size()).forEach(thrown::addSuppressed);
            throw thrown;
        }
        return status;
    }

    /** Tells every listener the run ended, even when some fail; returns their failures, in order. */
    private List<Exception> fireEnd(TrainingContext ctx, RunStatus status) {
        List<Exception> failures = new java.util.ArrayList<>();
        for (TrainingListener l : listeners) {
            try {
                l.onEnd(ctx, status);
            } catch (Exception e) {
                failures.add(e);
            }
        }
        return failures;
    }

    private void trainEpoch(int epoch) {
        int n = train.size();
        int batch = spec.batchSize() == 0 || spec.batchSize() >= n ? n : spec.batchSize();
        if (batch == n) {
            network.step(trainX, trainY);
            return;
        }
        int[] order = batchOrder(shuffleSeed, epoch, n);
        for (int start = 0; start < n; start += batch) {
            int len = Math.min(batch, n - start);
            int[] idx = new int[len];
            System.arraycopy(order, start, idx, 0, len);
            INDArray[] b = minibatches.computeIfAbsent(len, k -> new INDArray[] {
                Nd4j.create(trainX.dataType(), k, trainX.columns()), Nd4j.create(trainY.dataType(), k, trainY.columns())});
            Nd4j.pullRows(trainX, b[0], 1, idx);
            Nd4j.pullRows(trainY, b[1], 1, idx);
            // a new array object over the refilled buffer: networks may cache what they decode from an
            // array by its identity (the kernels' tokens), and this one's content is new
            network.step(Nd4j.create(b[0].data(), b[0].shape()), Nd4j.create(b[1].data(), b[1].shape()));
            nativeMemory.tick();
        }
    }

    /** The order of the training examples in the minibatches of {@code epoch}: a function of the seed and the epoch only. */
    static int[] batchOrder(long shuffleSeed, int epoch, int n) {
        return Split.permutation(n, new SplittableRandom(shuffleSeed ^ (0x9E3779B97F4A7C15L * epoch)));
    }

    private Evaluation evaluate(TrainingContext ctx) {
        Scores s = evaluator.evaluate();
        return new Evaluation(ctx.epoch(), ctx.step(), s.trainLoss(), s.trainAccuracy(), s.valLoss(), s.valAccuracy(),
                s.weightNorm(), ctx.elapsed());
    }

    private static INDArray oneHot(int[] labels, int classes, INDArray like) {
        INDArray y = Nd4j.zeros(like.dataType(), labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }
}
