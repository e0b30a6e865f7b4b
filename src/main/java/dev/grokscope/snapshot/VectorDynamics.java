package dev.grokscope.snapshot;

import dev.grokscope.spectra.Svd;
import dev.grokscope.spectra.VectorAgreement;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Singular-vector dynamics (Yunis et al. 2024): each matrix's agreement with its previous snapshot
 * ({@code sva_prev}, {@link VectorAgreement#singularVectorAgreement}) and its alignment with the next
 * matrix of its chain ({@code align_next}, {@link VectorAgreement#layerAlignment} on the transposes, as
 * the matrices are stored in x out), over the top {@value #K} singular pairs. Holds the previous
 * snapshot's leading triplets; {@link #seed} restores them when a run resumes.
 */
final class VectorDynamics {
    /** Leading singular pairs kept and compared. */
    static final int K = VectorAgreement.DEFAULT_K;
    /** The two spectra.csv columns, in order. */
    static final List<String> COLUMNS = List.of("sva_prev", "align_next");
    private final Map<String, String> next = new HashMap<>();
    private final Map<String, Svd> previous = new HashMap<>();

    /** @param chains lists of matrix names where each feeds the next (in x out storage) */
    VectorDynamics(List<List<String>> chains) {
        for (List<String> chain : chains) {
            for (int i = 0; i + 1 < chain.size(); i++) {
                next.put(chain.get(i), chain.get(i + 1));
            }
        }
    }

    /** {sva_prev, align_next} of {@code name}, each null where undefined. */
    Double[] measure(String name, Map<String, Svd> snapshot) {
        Svd top = snapshot.get(name);
        Svd prev = previous.get(name);
        Double sva = prev == null || prev.rows() != top.rows() || prev.cols() != top.cols() ? null
                : VectorAgreement.singularVectorAgreement(prev, top, K);
        String n = next.get(name);
        Double align = n == null || !snapshot.containsKey(n) || snapshot.get(n).rows() != top.cols() ? null
                : VectorAgreement.layerAlignment(transpose(top), transpose(snapshot.get(n)), K);
        return new Double[] {sva, align};
    }

    /** After a snapshot has been written everywhere: it becomes the previous one. */
    void commit(Map<String, Svd> snapshot) {
        previous.putAll(snapshot);
    }

    /** The previous snapshot's leading triplets, read back when a run resumes. */
    void seed(Map<String, Svd> snapshot) {
        previous.putAll(snapshot);
    }

    private static Svd transpose(Svd s) {
        return new Svd(s.v(), s.s(), s.u());
    }
}
