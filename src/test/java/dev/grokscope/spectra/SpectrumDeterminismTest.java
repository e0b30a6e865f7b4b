package dev.grokscope.spectra;

import dev.grokscope.results.Npy;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The snapshot route's result depends on the matrix alone, to the last bit: not on the thread that
 * computes it nor on where the C heap puts the buffers LAPACK works in ({@link Aligned}). Before, a fresh
 * thread's singular vectors of the same trained matrix differed in the last bits, a run's vector
 * columns (sva_prev, align_next) differed from run to run, and a resumed run's spectra.csv from the
 * uninterrupted run's.
 */
class SpectrumDeterminismTest {
    @ParameterizedTest
    @ValueSource(strings = {"quickstart-epoch150.layers.0.W", "quickstart-epoch150.layers.1.W",
        "nanda-seed1-wd1-epoch12000.blocks.0.attn.W_Q", "nanda-seed1-wd1-epoch12000.blocks.0.mlp.W_in"})
    void sameBitsOnEveryThreadWhereverTheHeapIs(String name) throws Exception {
        double[][] w = Npy.read(Path.of(getClass().getResource("/trained/" + name + ".npy").toURI())).matrix();
        Spectrum ref = SingularValues.spectrum(w, VectorAgreement.DEFAULT_K);
        List<Spectrum> others = new ArrayList<>();
        List<Pointer> shifts = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                shifts.add(Pointer.malloc(16 + 8 * i)); // moves where the C heap's next blocks start
                Spectrum[] out = new Spectrum[1];
                Thread t = new Thread(() -> out[0] = SingularValues.spectrum(w, VectorAgreement.DEFAULT_K));
                t.start();
                t.join();
                others.add(out[0]);
            }
        } finally {
            shifts.forEach(Pointer::free);
        }
        for (Spectrum s : others) {
            assertArrayEquals(ref.values(), s.values(), 0.0);
            assertTrue(Arrays.deepEquals(ref.top().u(), s.top().u()), name + ": left vectors differ");
            assertTrue(Arrays.deepEquals(ref.top().v(), s.top().v()), name + ": right vectors differ");
        }
    }
}
