package dev.grokscope.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.Map;
import java.util.Objects;

/**
 * SGD with heavy-ball momentum as PyTorch's {@code torch.optim.SGD(momentum=mu)}:
 * {@code v <- mu v + g; step = lr v}. DL4J M2.1 has only Nesterov momentum ({@code Nesterovs}), which
 * is a different method, so this updater supplies the classic one. Weight decay is added after it by
 * DL4J's decoupled {@code WeightDecay}.
 */
public final class HeavyBall implements IUpdater {
    private static final long serialVersionUID = 1L;
    private double learningRate;
    private double momentum;
    private ISchedule learningRateSchedule;

    public HeavyBall() {
        this(1e-3, 0.9, null);
    }

    public HeavyBall(double learningRate, double momentum, ISchedule learningRateSchedule) {
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.learningRateSchedule = learningRateSchedule;
    }

    public double getMomentum() {
        return momentum;
    }

    public double getLearningRate() {
        return learningRate;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater<HeavyBall> instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater<HeavyBall> instantiate(Map<String, INDArray> state, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(state, initializeStateArrays);
        return u;
    }

    @Override
    public HeavyBall clone() {
        return new HeavyBall(learningRate, momentum, learningRateSchedule == null ? null : learningRateSchedule.clone());
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule schedule) {
        this.learningRate = lr;
        this.learningRateSchedule = schedule;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeavyBall h && h.learningRate == learningRate && h.momentum == momentum
                && Objects.equals(h.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, momentum, learningRateSchedule);
    }

    private static final class Updater implements GradientUpdater<HeavyBall> {
        private static final String VELOCITY = "V";
        private final HeavyBall config;
        private INDArray velocity;

        Updater(HeavyBall config) {
            this.config = config;
        }

        @Override
        public HeavyBall getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> state, boolean initialize) {
            if (state == null || state.size() != 1 || !state.containsKey(VELOCITY)) {
                throw new IllegalStateException("HeavyBall state must hold exactly " + VELOCITY);
            }
            velocity = state.get(VELOCITY);
            if (initialize) {
                velocity.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of(VELOCITY, velocity);
        }

        @Override
        public void setStateViewArray(INDArray view, long[] gradientShape, char order, boolean initialize) {
            if (!view.isRowVectorOrScalar()) {
                throw new IllegalArgumentException("state view must be a row vector");
            }
            if (initialize) {
                view.assign(0);
            }
            velocity = view.reshape(order, gradientShape);
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            if (velocity == null) {
                throw new IllegalStateException("updater has no state");
            }
            if (!Shape.shapeEquals(gradient.shape(), velocity.shape())) {
                throw new IllegalStateException("gradient and state shapes differ");
            }
            double lr = config.getLearningRate(iteration, epoch);
            velocity.muli(config.momentum).addi(gradient);
            gradient.assign(velocity).muli(lr);
        }
    }
}
