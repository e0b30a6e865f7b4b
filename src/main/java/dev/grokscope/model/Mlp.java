package dev.grokscope.model;

import dev.grokscope.backend.Backend;
import dev.grokscope.config.Loss;
import dev.grokscope.config.MlpSpec;
import dev.grokscope.config.OptimizerSpec;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.data.ModularDataset;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.LinkedHashMap;
import java.util.List;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import java.util.Map;

/**
 * A multilayer perceptron on DL4J's {@link MultiLayerNetwork}: the concatenated one-hot codes of x
 * and y (width 2p) through {@code depth} dense layers to p outputs. Weights start N(0, 1/fan_in)
 * times {@code initScale}; biases at zero. Parameters are named {@code layers.<i>.W} (fan_in x fan_out,
 * as DL4J stores them: {@code h = x W}) and {@code layers.<i>.b}; layer {@code depth} is the output.
 *
 * <p>Steps and outputs run in {@link MlpKernel} (the one-hot first layer as a row gather, gradients by
 * hand, batches split over the threads, DL4J's updater on the network's own parameters and state); the
 * network's {@code fit} is the reference it is tested against.
 */
public final class Mlp implements Network {
    private final MultiLayerNetwork net;
    private final MlpSpec spec;
    private final int p;
    private final DataType dtype;
    /** The hand-written step and forward pass, or null on DL4J's own path (tests). */
    private final MlpKernel kernel;

    private Mlp(MultiLayerNetwork net, MlpSpec spec, int p, DataType dtype, boolean handWritten, int shards) {
        this.net = net;
        this.spec = spec;
        this.p = p;
        this.dtype = dtype;
        this.kernel = handWritten ? new MlpKernel(net, p, spec.bias(), dtype, shards) : null;
    }

    /** How a step is computed. */
    enum Path {
        /** {@link MlpKernel}: the one-hot first layer as a gather, gradients by hand, DL4J's updater. */
        KERNEL,
        /** {@code MultiLayerNetwork.fit} and {@code output}: the reference the kernel is tested against. */
        DL4J
    }

    /**
     * The MLP of {@code spec} for modulus p, stepped by {@link MlpKernel}, its batches split over
     * {@link Backend#computeThreads()} shards.
     */
    public static Mlp build(MlpSpec spec, int p, OptimizerSpec opt, TrainingSpec training, long initSeed) {
        return build(spec, p, opt, training, initSeed, Path.KERNEL, Backend.computeThreads());
    }

    /** As {@link #build}, on the given path, one shard; both paths draw the same initial weights from one seed. */
    static Mlp build(MlpSpec spec, int p, OptimizerSpec opt, TrainingSpec training, long initSeed, Path path) {
        return build(spec, p, opt, training, initSeed, path, 1);
    }

    /** As {@link #build}, on the given path, the kernel's batches split over {@code shards} threads. */
    static Mlp build(MlpSpec spec, int p, OptimizerSpec opt, TrainingSpec training, long initSeed, Path path,
                     int shards) {
        DataType dtype = training.dtype() == TrainingSpec.DType.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(initSeed)
                .dataType(dtype)
                .weightInit(WeightInit.NORMAL) // N(0, 1/fan_in), as PyTorch references draw them
                .updater(Optimizers.updater(opt));
        NeuralNetConfiguration.ListBuilder layers = b.list();
        int in = 2 * p;
        for (int i = 0; i < spec.depth(); i++) {
            layers.layer(decayed(new DenseLayer.Builder().nIn(in).nOut(spec.width())
                    .activation(activation(spec)).hasBias(spec.bias()), opt).build());
            in = spec.width();
        }
        boolean ce = spec.loss() == Loss.CROSS_ENTROPY;
        layers.layer(decayed(new OutputLayer.Builder(ce ? new LossMCXENT() : new LossL2())
                .nIn(in).nOut(p).activation(ce ? new ActivationSoftmax() : new ActivationIdentity())
                .hasBias(spec.bias()), opt).build());
        MultiLayerNetwork net = new MultiLayerNetwork(layers.build());
        net.init();
        if (spec.initScale() != 1.0) {
            for (int i = 0; i <= spec.depth(); i++) {
                net.getLayer(i).getParam("W").muli(spec.initScale());
            }
        }
        return new Mlp(net, spec, p, dtype, path == Path.KERNEL, shards);
    }

    /**
     * Decoupled weight decay, set on each layer. Not through {@code NeuralNetConfiguration.Builder
     * .weightDecay(...)}: in M2.1 that puts the WeightDecay into every layer's list twice, so the decay
     * is applied twice per step (found by {@code MlpTest.oneStepIsAdamW}).
     */
    private static <B extends org.deeplearning4j.nn.conf.layers.BaseLayer.Builder<B>> B decayed(B layer, OptimizerSpec opt) {
        List<Regularization> none = List.of();
        List<Regularization> decay = opt.weightDecay() > 0 ? List.of(new WeightDecay(opt.weightDecay(), true)) : none;
        layer.regularization(decay);
        layer.regularizationBias(opt.decayBiases() ? decay : none);
        return layer;
    }

    private static IActivation activation(MlpSpec spec) {
        return switch (spec.activation()) {
            case RELU -> new ActivationReLU();
            case GELU -> new ExactGeluActivation();
            case TANH -> new ActivationTanH();
            case QUADRATIC -> new QuadraticActivation();
        };
    }

    /** Concatenated one-hot codes [onehot(x), onehot(y)], width 2p. */
    @Override
    public INDArray features(ModularDataset data) {
        int n = data.size();
        INDArray f = Nd4j.zeros(dtype, n, 2L * p);
        for (int i = 0; i < n; i++) {
            f.putScalar(i, data.x()[i], 1.0);
            f.putScalar(i, p + data.y()[i], 1.0);
        }
        return f;
    }

    @Override
    public void step(INDArray features, INDArray targets) {
        if (kernel != null) {
            kernel.step(features, targets);
        } else {
            net.fit(new DataSet(features, targets));
        }
    }

    @Override
    public INDArray output(INDArray features) {
        return kernel != null ? kernel.output(features) : net.output(features, false);
    }

    @Override
    public Objectives.OutputKind outputKind() {
        return spec.loss() == Loss.CROSS_ENTROPY ? Objectives.OutputKind.PROBABILITIES : Objectives.OutputKind.SCORES;
    }

    @Override
    public Loss loss() {
        return spec.loss();
    }

    @Override
    public Map<String, INDArray> matrices() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (int i = 0; i <= spec.depth(); i++) {
            m.put("layers." + i + ".W", net.getLayer(i).getParam("W"));
        }
        return m;
    }

    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (int i = 0; i <= spec.depth(); i++) {
            m.put("layers." + i + ".W", net.getLayer(i).getParam("W"));
            if (spec.bias()) {
                m.put("layers." + i + ".b", net.getLayer(i).getParam("b"));
            }
        }
        return m;
    }

    @Override
    public long steps() {
        return net.getIterationCount();
    }

    @Override
    public List<List<String>> chains() {
        return List.of(List.copyOf(matrices().keySet()));
    }

    /** DL4J keeps every layer's updater state in one flat view array. */
    @Override
    public Map<String, INDArray> optimizerState() {
        INDArray state = net.getUpdater().getStateViewArray();
        return state == null ? Map.of() : Map.of("updater", state);
    }

    @Override
    public void restoreSteps(long steps) {
        net.setIterationCount((int) steps);
    }

    /** The underlying DL4J network (for checkpoints and saved-model export). */
    public MultiLayerNetwork dl4j() {
        return net;
    }
}
