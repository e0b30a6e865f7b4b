package dev.grokscope.train;

import dev.grokscope.config.ConfigLoader;
import dev.grokscope.config.Experiment;
import dev.grokscope.data.Split;
import dev.grokscope.intervene.LowRank;
import dev.grokscope.intervene.Mask;
import dev.grokscope.model.Mlp;
import dev.grokscope.model.Network;
import dev.grokscope.model.Networks;
import dev.grokscope.results.Npy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A masked network's masked weights and their optimiser moments are exactly zero after every step, and
 * its kept weights train.
 */
class MaskedNetworkTest {
    private static Experiment experiment(String model) {
        String yaml = model.equals("mlp")
                ? "data: {p: 11}\nmodel: {type: mlp, depth: 2, width: 16}\ntraining: {batchSize: 16}\n"
                : "data: {p: 11}\nmodel: {type: transformer, dModel: 16, nHeads: 2, dHead: 8, dMlp: 32}\ntraining: {batchSize: 16}\n";
        return ConfigLoader.parse(yaml, model, List.of());
    }

    private static Map<String, Npy.Array> arrays(Map<String, INDArray> live) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        live.forEach((k, v) -> out.put(k, new Npy.Array(java.util.Arrays.stream(v.shape()).mapToInt(Math::toIntExact).toArray(),
                v.dup('c').castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble())));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "transformer"})
    void maskedWeightsAndMomentsStayExactlyZeroAfterEveryStep(String model) {
        Experiment e = experiment(model);
        Split split = Split.of(e.data(), e.seeds());
        Network dense = Networks.build(e);
        List<String> names = LowRank.truncatable(e, dense.matrices().keySet());
        Map<String, Npy.Array> masks = Mask.magnitude(arrays(dense.parameters()), names, 0.3);
        Map<String, Npy.Array> before = arrays(dense.parameters());
        MaskedNetwork net = new MaskedNetwork(dense, masks);
        INDArray x = net.features(split.train());
        INDArray y = Nd4j.zeros(x.dataType(), split.train().size(), e.data().p());
        for (int i = 0; i < split.train().size(); i++) {
            y.putScalar(i, split.train().labels()[i], 1.0);
        }
        for (int step = 0; step < 6; step++) {
            int from = (step * 16) % (split.train().size() - 16);
            net.step(x.get(NDArrayIndex.interval(from, from + 16), NDArrayIndex.all()),
                    y.get(NDArrayIndex.interval(from, from + 16), NDArrayIndex.all()));
            Map<String, Npy.Array> now = arrays(net.parameters());
            Map<String, Npy.Array> moments = arrays(net.optimizerState());
            INDArray flatMask = model.equals("mlp") ? flatMask((Mlp) dense, masks) : null;
            for (String n : names) {
                double[] m = masks.get(n).data();
                double[] w = now.get(n).data();
                int moved = 0;
                for (int i = 0; i < m.length; i++) {
                    if (m[i] == 0) {
                        assertEquals(0.0, w[i], n + "[" + i + "] after step " + (step + 1));
                        if (flatMask == null) {
                            assertEquals(0.0, moments.get(n + "/M").data()[i], n + "/M[" + i + "]");
                            assertEquals(0.0, moments.get(n + "/V").data()[i], n + "/V[" + i + "]");
                        }
                    } else if (w[i] != before.get(n).data()[i]) {
                        moved++;
                    }
                }
                assertTrue(moved > 0, n + ": kept weights train");
            }
            if (flatMask != null) {
                // DL4J's Adam state of one updater block: [M over the flat parameters, V over them]
                double[] state = moments.get("updater").data();
                long n = flatMask.length();
                assertEquals(2 * n, state.length);
                int zeros = 0;
                for (int i = 0; i < n; i++) {
                    if (flatMask.getDouble(i) == 0) {
                        assertEquals(0.0, state[i], "M at flat " + i);
                        assertEquals(0.0, state[(int) n + i], "V at flat " + i);
                        zeros++;
                    }
                }
                assertTrue(zeros > 0);
            }
        }
    }

    /** The mask laid out as DL4J's flattened parameters, built independently of MaskedNetwork's way. */
    private static INDArray flatMask(Mlp mlp, Map<String, Npy.Array> masks) {
        INDArray flat = Nd4j.onesLike(mlp.dl4j().params()).reshape(-1);
        long offset = 0;
        for (int layer = 0; layer < mlp.dl4j().getnLayers(); layer++) {
            for (String p : List.of("W", "b")) { // DL4J's order: each layer's W ('f' order), then b
                INDArray live = mlp.dl4j().getLayer(layer).getParam(p);
                String name = "layers." + layer + "." + p;
                if (masks.containsKey(name)) {
                    INDArray m = Nd4j.create(masks.get(name).data(), live.shape(), 'c');
                    INDArray f = m.dup('f').reshape('f', new long[] {live.length()});
                    flat.get(NDArrayIndex.interval(offset, offset + live.length())).assign(f);
                }
                offset += live.length();
            }
        }
        return flat;
    }
}
