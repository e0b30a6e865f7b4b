package dev.grokscope.spectra;

import dev.grokscope.results.Npy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The snapshot route on weights of the reference runs themselves (src/test/resources/trained/, float32
 * as trained): Nanda's transformer after grokking (the Yunis sweep's seed 1 at weight decay 1, epoch
 * 12,000: W_Q and W_K of rank ~10, s_k / s_1 ~1e-9, on the bidiagonal route; W_U at s_k / s_1 = 1.4e-3,
 * just inside the Gram route's reach; W_in, 128 x 512) and the quickstart's MLP at its last epoch. Every
 * value equals dgesdd's to 1e-12 s_1 and the leading 10 singular vectors agree with dgesdd's: top-10
 * SVA >= 0.999.
 */
class SpectrumOnReferenceWeightsTest {
    @ParameterizedTest
    @ValueSource(strings = {"nanda-seed1-wd1-epoch12000.blocks.0.attn.W_Q", "nanda-seed1-wd1-epoch12000.blocks.0.attn.W_K",
        "nanda-seed1-wd1-epoch12000.blocks.0.mlp.W_in", "nanda-seed1-wd1-epoch12000.unembed.W_U",
        "quickstart-epoch150.layers.0.W", "quickstart-epoch150.layers.1.W"})
    void valuesAndLeadingVectorsOfAnExactSvd(String name) throws URISyntaxException {
        double[][] w = Npy.read(Path.of(getClass().getResource("/trained/" + name + ".npy").toURI())).matrix();
        Spectrum fast = SingularValues.spectrum(w, VectorAgreement.DEFAULT_K);
        Svd exact = new GesddSvd().full(w);
        SpectrumCheck.verifyFull(exact, w);
        for (int i = 0; i < exact.rank(); i++) {
            assertEquals(exact.s()[i], fast.values()[i], 1e-12 * exact.s()[0], name + " s[" + i + "]");
        }
        double sva = VectorAgreement.singularVectorAgreement(fast.top(), exact, VectorAgreement.DEFAULT_K);
        assertTrue(sva >= 0.999, name + ": top-10 SVA with dgesdd's vectors " + sva);
    }
}
