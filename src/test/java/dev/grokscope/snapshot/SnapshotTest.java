package dev.grokscope.snapshot;

import dev.grokscope.backend.Backend;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A snapshot holds every entry of every matrix as ND4J reads it, whatever the array's layout or dtype. */
class SnapshotTest {
    @Test
    void everyLayoutAndDtypeIsCopiedEntryForEntry() {
        Backend.start();
        Nd4j.getRandom().setSeed(3);
        INDArray base = Nd4j.rand(DataType.DOUBLE, 10, 12);
        INDArray flat = Nd4j.rand(DataType.FLOAT, 1, 500);
        Map<String, INDArray> live = new LinkedHashMap<>();
        live.put("plain", base);
        live.put("float", base.castTo(DataType.FLOAT));
        live.put("half", base.castTo(DataType.HALF));
        live.put("rows", base.get(NDArrayIndex.interval(3, 7), NDArrayIndex.all()));
        live.put("cols", base.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 9)));
        live.put("block", base.get(NDArrayIndex.interval(1, 8), NDArrayIndex.interval(4, 10)));
        live.put("transposed", base.transpose());
        live.put("f", base.dup('f'));
        live.put("f-view-of-flat", flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(100, 220)).reshape('f', 10, 12));
        live.put("c-view-of-flat", flat.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(100, 220)).reshape('c', 12, 10));
        live.put("column", base.get(NDArrayIndex.all(), NDArrayIndex.interval(5, 6)));
        Snapshot s = Snapshot.take(7, live);
        assertEquals(7, s.epoch());
        assertNull(s.nonFinite());
        assertEquals(List.copyOf(live.keySet()), s.matrices().stream().map(Snapshot.Matrix::name).toList());
        for (Snapshot.Matrix m : s.matrices()) {
            assertExactly(live.get(m.name()), m);
        }
    }

    @Test
    void aLayerOfADl4jNetworkIsReadThroughItsParameterView() {
        Backend.start();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(5).nOut(3).build())
                .build());
        net.init();
        Map<String, INDArray> live = new LinkedHashMap<>();
        live.put("0.W", net.getLayer(0).getParam("W"));
        live.put("1.W", net.getLayer(1).getParam("W"));
        Snapshot s = Snapshot.take(0, live);
        for (Snapshot.Matrix m : s.matrices()) {
            assertExactly(live.get(m.name()), m);
        }
    }

    @Test
    void theFirstMatrixWithANaNOrInfinityIsNamedAndBadShapesAreRefused() {
        Map<String, INDArray> live = new LinkedHashMap<>();
        live.put("ok", Nd4j.ones(DataType.FLOAT, 2, 3));
        INDArray inf = Nd4j.ones(DataType.FLOAT, 2, 3);
        inf.putScalar(1, 2, Double.POSITIVE_INFINITY);
        INDArray nan = Nd4j.ones(DataType.DOUBLE, 3, 2);
        nan.putScalar(0, 0, Double.NaN);
        live.put("inf", inf);
        live.put("nan", nan);
        assertEquals("inf", Snapshot.take(1, live).nonFinite());
        assertThrows(IllegalArgumentException.class, () -> Snapshot.take(1, Map.of("v", Nd4j.ones(4))));
        assertThrows(IllegalArgumentException.class, () -> Snapshot.take(1, Map.of("t", Nd4j.ones(2, 2, 2))));
    }

    private static void assertExactly(INDArray expected, Snapshot.Matrix m) {
        double[][] e = expected.castTo(DataType.DOUBLE).toDoubleMatrix();
        assertEquals(e.length, m.rows(), m.name());
        assertEquals(e[0].length, m.cols(), m.name());
        double[] flat = new double[m.rows() * m.cols()];
        for (int i = 0; i < e.length; i++) {
            System.arraycopy(e[i], 0, flat, i * m.cols(), m.cols());
        }
        assertArrayEquals(flat, m.values(), 0.0, m.name());
    }
}
