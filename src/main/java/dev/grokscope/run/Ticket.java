package dev.grokscope.run;

import dev.grokscope.BadInputException;
import dev.grokscope.config.Experiment;
import dev.grokscope.config.MaskSpec;
import dev.grokscope.intervene.LowRank;
import dev.grokscope.intervene.Mask;
import dev.grokscope.model.Network;
import dev.grokscope.results.CsvLog;
import dev.grokscope.results.Npy;
import dev.grokscope.spectra.SingularValues;
import dev.grokscope.spectra.VectorAgreement;
import dev.grokscope.state.State;
import dev.grokscope.state.StateRef;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lottery-ticket mask of a run ({@link MaskSpec}): drawn from the {@code mask.from} state over every
 * 2-D weight but the output layer ({@link LowRank#truncatable}), saved in the run directory as
 * {@code mask/<matrix>.npy} (float64 0/1, the matrix's shape) with {@code mask/sva_mask_final.csv}: per
 * matrix the kept count and the top-10 singular-vector agreement between the dense weights of
 * {@code mask.from} and the same weights masked (Yunis et al. 2024's {@code sva_mask_final}: how much of
 * the top singular structure the mask keeps). A resumed run reads the saved mask back.
 */
final class Ticket {
    static final String DIR = "mask";
    static final String SVA = "sva_mask_final.csv";
    static final List<String> COLUMNS = List.of("matrix", "rows", "cols", "kept", "total", "density", "sva_top10");

    private final Map<String, Npy.Array> masks;
    private final Map<String, Npy.Array> dense;

    private Ticket(Map<String, Npy.Array> masks, Map<String, Npy.Array> dense) {
        this.masks = masks;
        this.dense = dense;
    }

    /**
     * Draws the mask of {@code e} for {@code network} (built from {@code e}).
     *
     * @throws BadInputException when {@code mask.from} names no readable state, one of another
     *     architecture, or the network has no 2-D weight besides the output layer
     */
    static Ticket draw(Experiment e, Network network) {
        MaskSpec spec = e.mask();
        List<String> names = maskable(e, network);
        StateRef ref = StateRef.one(spec.from());
        State from = ref.read();
        Map<String, INDArray> live = network.parameters();
        for (Map.Entry<String, INDArray> p : live.entrySet()) {
            Npy.Array a = from.params().get(p.getKey());
            long[] shape = a == null ? null : Arrays.stream(a.shape()).asLongStream().toArray();
            if (a == null || !Arrays.equals(shape, p.getValue().shape())) {
                throw new BadInputException("mask.from " + ref.label() + ": different architecture from the run's network: "
                        + "first differing parameter " + p.getKey() + (a == null ? " (not in the state)"
                        : " (shape " + Arrays.toString(shape) + " vs " + Arrays.toString(p.getValue().shape()) + ")"));
            }
        }
        return new Ticket(Mask.of(spec.kind(), from.params(), names, spec.keep(), e.seeds().mask()), from.params());
    }

    /** Reads the mask a run saved (for --resume). */
    static Ticket read(Path runDir, Experiment e, Network network) {
        Map<String, Npy.Array> m = new LinkedHashMap<>();
        for (String name : maskable(e, network)) {
            Path f = runDir.resolve(DIR).resolve(name + ".npy");
            if (!Files.isRegularFile(f)) {
                throw new BadInputException(f + ": missing; the run trains under a mask (mask.from) and cannot resume without it");
            }
            m.put(name, Npy.read(f));
        }
        return new Ticket(m, null);
    }

    private static List<String> maskable(Experiment e, Network network) {
        List<String> names = LowRank.truncatable(e, network.matrices().keySet());
        if (names.isEmpty()) {
            throw new BadInputException("mask: the network has no 2-D weight besides the output layer "
                    + LowRank.outputLayer(e) + "; nothing to mask");
        }
        return names;
    }

    /** What run.json records of the mask: its spec and the kept and total counts. */
    Map<String, Object> record(Experiment e) {
        long kept = 0;
        long total = 0;
        for (Npy.Array m : masks.values()) {
            kept += Mask.count(m);
            total += m.data().length;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("from", e.mask().from());
        r.put("kind", e.mask().kind().name().toLowerCase(java.util.Locale.ROOT));
        r.put("keep", e.mask().keep());
        r.put("matrices", List.copyOf(masks.keySet()));
        r.put("kept", kept);
        r.put("total", total);
        return r;
    }

    Map<String, Npy.Array> masks() {
        return masks;
    }

    /** Writes {@code mask/<matrix>.npy} and {@code mask/sva_mask_final.csv} into the run directory. */
    void save(Path runDir) throws IOException {
        Path dir = Files.createDirectories(runDir.resolve(DIR));
        Map<String, Npy.Array> masked = Mask.apply(dense, masks);
        try (CsvLog csv = CsvLog.create(dir.resolve(SVA), COLUMNS)) {
            for (Map.Entry<String, Npy.Array> e : masks.entrySet()) {
                Npy.Array m = e.getValue();
                Npy.writeFloat64(dir.resolve(e.getKey() + ".npy"), m.matrix());
                long kept = Mask.count(m);
                double sva = VectorAgreement.singularVectorAgreement(SingularValues.full(dense.get(e.getKey()).matrix()),
                        SingularValues.full(masked.get(e.getKey()).matrix()), VectorAgreement.DEFAULT_K);
                csv.append(List.of(e.getKey(), m.rows(), m.cols(), kept, m.data().length,
                        (double) kept / m.data().length, sva));
            }
        }
    }
}
