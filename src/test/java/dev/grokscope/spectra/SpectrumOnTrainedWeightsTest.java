package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grokscope.config.ConfigLoader;
import dev.grokscope.config.Experiment;
import dev.grokscope.data.Split;
import dev.grokscope.model.Network;
import dev.grokscope.model.Networks;
import dev.grokscope.train.Trainer;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The snapshot route on real weights: the quickstart's MLP (p = 31, width 128) and Nanda's transformer
 * (p = 23, d = 32) trained with grokscope's own trainer, snapshots through training (random init,
 * memorisation, after weight decay has acted). Values must equal dgesdd's to 1e-12 s_1, and the leading
 * 10 singular vectors must agree with an exact full SVD's: top-10 SVA >= 0.999 (in fact ~1 - 1e-12).
 */
class SpectrumOnTrainedWeightsTest {
    @Test
    void quickstartMlp() throws Exception {
        check(train("configs/quickstart.yaml", List.of("data.p=31", "model.width=128", "training.epochs=60")));
    }

    @Test
    void nandaTransformer() throws Exception {
        check(train("configs/nanda-mod113.yaml", List.of("data.p=23", "model.dModel=32", "model.nHeads=2",
                "model.dHead=16", "model.dMlp=64", "training.epochs=40", "training.evalEvery=20",
                "optimizer.lr=1e-2")));
    }

    private static void check(List<Map<String, double[][]>> snapshots) {
        int checked = 0;
        for (Map<String, double[][]> snapshot : snapshots) {
            for (Map.Entry<String, double[][]> e : snapshot.entrySet()) {
                double[][] w = e.getValue();
                Spectrum fast = SingularValues.spectrum(w, VectorAgreement.DEFAULT_K);
                Svd exact = new GesddSvd().full(w);
                SpectrumCheck.verifyFull(exact, w);
                for (int i = 0; i < exact.rank(); i++) {
                    assertEquals(exact.s()[i], fast.values()[i], 1e-12 * exact.s()[0], e.getKey() + " s[" + i + "]");
                }
                double sva = VectorAgreement.singularVectorAgreement(fast.top(), exact, VectorAgreement.DEFAULT_K);
                assertTrue(sva >= 0.999, e.getKey() + ": top-10 SVA with the exact SVD " + sva);
                checked++;
            }
        }
        assertTrue(checked >= 6, "checked " + checked + " matrices");
    }

    /** Copies of every matrix at epochs 0, the middle and the end of a short real run. */
    private static List<Map<String, double[][]>> train(String config, List<String> overrides) throws Exception {
        Experiment e = ConfigLoader.load(Path.of(config), overrides);
        Network net = Networks.build(e);
        List<Map<String, double[][]>> out = new ArrayList<>();
        int epochs = e.training().epochs();
        TrainingListener copier = new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingContext ctx) {
                if (ctx.epoch() == 0 || ctx.epoch() == epochs / 2 || ctx.isLast()) {
                    Map<String, double[][]> m = new java.util.LinkedHashMap<>();
                    for (Map.Entry<String, INDArray> w : ctx.network().matrices().entrySet()) {
                        m.put(w.getKey(), Matrices.toArray(w.getValue()));
                    }
                    out.add(m);
                }
            }
        };
        new Trainer(net, Split.of(e.data(), e.seeds()), e.training(), e.seeds().shuffle(), List.of(copier)).run();
        assertEquals(3, out.size());
        return out;
    }
}
