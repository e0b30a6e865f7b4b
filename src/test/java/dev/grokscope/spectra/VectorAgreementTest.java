package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.results.Npy;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VectorAgreementTest {

    @Test
    void goldenAgreementMatches() {
        JsonNode agreement = GoldenSpectra.golden().get("agreement");
        assertTrue(agreement != null && agreement.size() > 0, "golden.json has no agreement entry");
        for (var it = agreement.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String[] names = e.getKey().split("~");
            Svd a = SingularValues.full(Npy.read(GoldenSpectra.matrix(names[0])).matrix());
            Svd b = SingularValues.full(Npy.read(GoldenSpectra.matrix(names[1])).matrix());
            double want = e.getValue().get("sva_top10").asDouble();
            double got = VectorAgreement.singularVectorAgreement(a, b, e.getValue().get("k").asInt());
            assertEquals(want, got, 1e-6 * want, e.getKey());
        }
    }

    @Test
    void aMatrixAgreesWithItselfAndSignFlipsDoNotMatter() {
        double[][] w = SingularValuesTest.gaussian(30, 20, 5);
        Svd svd = SingularValues.full(w);
        assertEquals(1.0, VectorAgreement.singularVectorAgreement(svd, svd, 10), 1e-12);
        double[][] u = deepCopy(svd.u());
        double[][] v = deepCopy(svd.v());
        for (int r = 0; r < u.length; r++) {
            u[r][0] = -u[r][0];
        }
        for (int r = 0; r < v.length; r++) {
            v[r][0] = -v[r][0];
        }
        Svd flipped = new Svd(u, svd.s(), v);
        assertEquals(1.0, VectorAgreement.singularVectorAgreement(svd, flipped, 10), 1e-12);
        double[][] s = VectorAgreement.agreementMatrix(svd, svd, 4);
        assertEquals(0.0, s[0][1], 1e-12);
    }

    @Test
    void layerAlignmentIsOneWhenTheNextLayerReadsWhatThisOneWrites() {
        // W1 (out x in) = U1 S1 V1^T; W2 = M W1^T has right singular vectors = U1 when M is orthogonal-ish:
        // take W2 = W1^T itself (in x out), so V2 = U1 and the alignment is 1.
        double[][] w1 = SingularValuesTest.gaussian(12, 9, 11);
        Svd lower = SingularValues.full(w1);
        Svd upper = SingularValues.full(Matrices.transpose(w1));
        assertEquals(1.0, VectorAgreement.layerAlignment(lower, upper, 10), 1e-10);
        Svd unrelated = SingularValues.full(SingularValuesTest.gaussian(7, 12, 12));
        assertTrue(VectorAgreement.layerAlignment(lower, unrelated, 10) < 0.9);
        assertThrows(IllegalArgumentException.class, () -> VectorAgreement.layerAlignment(lower, lower, 10));
    }

    private static double[][] deepCopy(double[][] x) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i].clone();
        }
        return y;
    }
}
