package dev.grokscope.attach;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grokscope.BadInputException;
import dev.grokscope.report.Reports;
import dev.grokscope.results.CsvLog;
import dev.grokscope.results.Json;
import dev.grokscope.results.Npy;
import dev.grokscope.spectra.SingularValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVRecord;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.ListenerResponse;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.listeners.records.LossCurve;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Real DL4J and SameDiff training with the listener attached: the written singular values equal an SVD
 * of the weights copied at the same epochs, the files are those of a grokscope run, and the report of
 * the directory renders.
 */
class SpectraListenerTest {
    private static final int EPOCHS = 3;

    @Test
    void multiLayerNetwork(@TempDir Path tmp) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nIn(12).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        Path dir = tmp.resolve("mln");
        Map<Integer, Map<String, INDArray>> seen = new LinkedHashMap<>();
        seen.put(0, weights(net));
        try (SpectraListener spectra = new SpectraListener(net, dir, Cadence.epochs(1))) {
            net.setListeners(spectra, new BaseTrainingListener() {
                @Override
                public void onEpochEnd(Model model) {
                    seen.put(seen.size(), weights(net));
                }
            });
            net.fit(iterator(data(40, 12, 4, 2)), EPOCHS);
        }
        checkRun(dir, List.of("layers.0.W", "layers.1.W"), seen);
        List<CSVRecord> rows = CsvLog.read(dir.resolve("spectra.csv"));
        assertFalse(rows.get(rows.size() - 2).get("align_next").isEmpty(), "12x16 then 16x4: a chain, aligned");
    }

    @Test
    void computationGraphWithConvolution(@TempDir Path tmp) throws IOException {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 2))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build(), "in")
                .addLayer("dense_1", new DenseLayer.Builder().nOut(10).activation(Activation.RELU).build(), "conv1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense_1")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        Path dir = tmp.resolve("cg");
        Map<Integer, Map<String, INDArray>> seen = new LinkedHashMap<>();
        seen.put(0, weights(graph));
        try (SpectraListener spectra = new SpectraListener(graph, dir, Cadence.epochs(1))) {
            graph.setListeners(spectra, new BaseTrainingListener() {
                @Override
                public void onEpochEnd(Model model) {
                    seen.put(seen.size(), weights(graph));
                }
            });
            DataSet images = data(24, 2 * 8 * 8, 3, 3);
            images.setFeatures(images.getFeatures().reshape(24, 2, 8, 8));
            graph.fit(iterator(images), EPOCHS);
        }
        checkRun(dir, List.of("conv1.W", "dense_1.W", "out.W"), seen);
        Npy.Array conv = Npy.read(dir.resolve("spectra/conv1.W.npy"));
        assertEquals(6, conv.cols(), "conv1: (in kh kw = 18) x (out = 6) has 6 singular values");
        assertEquals(EPOCHS + 1, conv.rows());
    }

    @Test
    void sameDiffGraph(@TempDir Path tmp) throws IOException {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 12);
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, 4);
        SDVariable w1 = sd.var("w1", Nd4j.rand(DataType.FLOAT, 12, 16).subi(0.5));
        SDVariable b1 = sd.var("b1", Nd4j.zeros(DataType.FLOAT, 16));
        SDVariable w2 = sd.var("w2", Nd4j.rand(DataType.FLOAT, 16, 4).subi(0.5));
        SDVariable logits = sd.nn.relu(x.mmul(w1).add(b1), 0).mmul(w2);
        sd.loss.softmaxCrossEntropy("loss", y, logits, null);
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-2)).dataSetFeatureMapping("x")
                .dataSetLabelMapping("y").build());
        Path dir = tmp.resolve("sd");
        Map<Integer, Map<String, INDArray>> seen = new LinkedHashMap<>();
        seen.put(0, weights(sd));
        try (SameDiffSpectraListener spectra = new SameDiffSpectraListener(sd, dir, Cadence.epochs(1))) {
            BaseListener copier = new BaseListener() {
                @Override
                public boolean isActive(Operation op) {
                    return op == Operation.TRAINING;
                }

                @Override
                public ListenerResponse epochEnd(SameDiff s, At at, LossCurve curve, long ms) {
                    seen.put(seen.size(), weights(sd));
                    return ListenerResponse.CONTINUE;
                }

                @Override
                public void iterationDone(SameDiff s, At at, MultiDataSet ds, Loss loss) {
                }
            };
            DataSet ds = data(40, 12, 4, 4);
            sd.fit(new SingletonDataSetIterator(ds), EPOCHS, spectra, copier);
        }
        checkRun(dir, List.of("w1", "w2"), seen);
    }

    @Test
    void iterationCadenceCountsSteps(@TempDir Path tmp) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new DenseLayer.Builder().nIn(12).nOut(8).build())
                .layer(new OutputLayer.Builder().nIn(8).nOut(4).activation(Activation.SOFTMAX).build()).build());
        net.init();
        Path dir = tmp.resolve("iter");
        try (SpectraListener spectra = new SpectraListener(net, dir, Cadence.iterations(2))) {
            net.setListeners(spectra);
            net.fit(new ListDataSetIterator<>(data(40, 12, 4, 5).asList(), 10), 2); // 4 batches x 2 epochs
        }
        assertArrayEquals(new double[] {0, 2, 4, 6, 8}, Npy.read(dir.resolve("spectra/epochs.npy")).data());
        assertEquals("iteration", Json.mapper().readTree(dir.resolve("run.json").toFile()).get("snapshot_unit").asText());
    }

    @Test
    void badInputIsRefusedAtConstructionAndWritesNothing(@TempDir Path tmp) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder().nIn(3).nOut(2).activation(Activation.SOFTMAX).build()).build());
        net.init();
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Cadence.epochs(0));
        assertTrue(zero.getMessage().contains("every must be >= 1"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Cadence.iterations(-3));

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        BadInputException unwritable = assertThrows(BadInputException.class,
                () -> new SpectraListener(net, file.resolve("run"), Cadence.epochs(1)));
        assertTrue(unwritable.getMessage().contains("cannot create the output directory"), unwritable.getMessage());
        assertFalse(Files.exists(file.resolve("run")));

        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        assertThrows(BadInputException.class, () -> new SpectraListener(net, full, Cadence.epochs(1)));
        assertEquals(List.of(full.resolve("keep.txt")), Files.list(full).toList(), "nothing added to a used directory");

        ComputationGraph noWeights = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").addLayer("act", new ActivationLayer(Activation.RELU), "in").setOutputs("act")
                .setInputTypes(InputType.feedForward(3)).build());
        noWeights.init();
        Path none = tmp.resolve("none");
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> new SpectraListener(noWeights, none, Cadence.epochs(1)));
        assertTrue(empty.getMessage().contains("no 2-D weight matrices"), empty.getMessage());
        assertFalse(Files.exists(none), "no directory for a model that cannot be analysed");

        SameDiff sd = SameDiff.create();
        sd.var("bias", Nd4j.zeros(DataType.FLOAT, 5));
        assertThrows(IllegalArgumentException.class, () -> new SameDiffSpectraListener(sd, tmp.resolve("sd"),
                Cadence.epochs(1)));
        assertFalse(Files.exists(tmp.resolve("sd")));
    }

    /** Every file of a grokscope run, values equal to an SVD of the weights seen at each epoch, and a report. */
    private static void checkRun(Path dir, List<String> names, Map<Integer, Map<String, INDArray>> seen)
            throws IOException {
        double[] epochs = Npy.read(dir.resolve("spectra/epochs.npy")).data();
        assertArrayEquals(new double[] {0, 1, 2, 3}, epochs, "snapshot 0 (initial weights), then every epoch");
        assertEquals(EPOCHS + 1, seen.size());
        for (String name : names) {
            double[][] written = Npy.read(dir.resolve("spectra/" + name + ".npy")).matrix();
            assertEquals(epochs.length, written.length, name + ": one row per snapshot");
            for (int e = 0; e < epochs.length; e++) {
                double[] expected = SingularValues.of(seen.get(e).get(name));
                assertArrayEquals(expected, written[e], 1e-9 * expected[0], name + " at epoch " + e);
            }
            assertTrue(Files.isRegularFile(dir.resolve("spectra/vectors/" + name + ".U.npy")), name + " vectors");
            double[][] fin = Npy.read(dir.resolve("weights/final/" + name + ".npy")).matrix();
            assertArrayEquals(seen.get(EPOCHS).get(name).castTo(DataType.DOUBLE).toDoubleMatrix()[0], fin[0], 0,
                    name + ": final weights as trained");
        }
        List<CSVRecord> rows = CsvLog.read(dir.resolve("spectra.csv"));
        assertEquals(epochs.length * names.size(), rows.size());
        List<String> matrices = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            matrices.add(rows.get(i).get("matrix"));
        }
        assertEquals(names, matrices, "stable names, in layer order");
        assertEquals(epochs.length * names.size(), CsvLog.read(dir.resolve("spectra/sva_final.csv")).size());
        assertEquals("completed", Json.mapper().readTree(dir.resolve("run.json").toFile()).get("status").asText());
        assertEquals(0, dev.grokscope.cli.Main.execute("analyze", dir.toString()), "grokscope analyze DIR");
        Reports.Report report = Reports.write(dir);
        assertTrue(Files.size(report.html()) > 1000, "report.html written");
    }

    private static Map<String, INDArray> weights(MultiLayerNetwork net) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("layers.0.W", net.getLayer(0).getParam("W").dup('c'));
        m.put("layers.1.W", net.getLayer(1).getParam("W").dup('c'));
        return m;
    }

    private static Map<String, INDArray> weights(ComputationGraph g) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        INDArray k = g.getLayer("conv1").getParam("W").dup('c'); // [out, in, kh, kw]
        m.put("conv1.W", k.reshape('c', k.size(0), k.length() / k.size(0)).transpose().dup('c'));
        m.put("dense_1.W", g.getLayer("dense_1").getParam("W").dup('c'));
        m.put("out.W", g.getLayer("out").getParam("W").dup('c'));
        return m;
    }

    private static Map<String, INDArray> weights(SameDiff sd) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w1", sd.getArrForVarName("w1").dup('c'));
        m.put("w2", sd.getArrForVarName("w2").dup('c'));
        return m;
    }

    private static DataSet data(int n, int features, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, features);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1.0);
        }
        return new DataSet(x, y);
    }

    private static ListDataSetIterator<DataSet> iterator(DataSet ds) {
        return new ListDataSetIterator<>(ds.asList(), ds.numExamples());
    }
}
