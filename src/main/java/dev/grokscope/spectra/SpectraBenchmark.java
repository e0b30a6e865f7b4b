package dev.grokscope.spectra;

import dev.grokscope.results.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Wall-clock benchmark of the spectra path; a main class, not a test (timings are not assertions).
 *
 * <p>Measures the CPU time of one training snapshot's spectra on the quickstart's and Nanda's shapes
 * ({@link #snapshotCost}), and the median of several runs, after warm-up, of: {@link SingularValues#of} +
 * {@link SpectralMetrics#of} on a 4096 x 1024 Gaussian matrix and on the golden set; and
 * {@link PowerLawFit#fit} against {@link #naiveFit}, a straightforward Theta(N^2) transcription of
 * WeightWatcher's WWFit loop, on the same eigenvalues. Run with OMP_NUM_THREADS set (1 or 2):
 * <pre>
 * java -cp target/classes:$(mvn -q -o dependency:build-classpath -Dmdep.outputFile=/dev/stdout) \
 *     dev.grokscope.spectra.SpectraBenchmark [golden-dir]
 * </pre>
 */
public final class SpectraBenchmark {
    private SpectraBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path goldenDir = Paths.get(args.length > 0 ? args[0] : "src/test/resources/golden/spectra");
        System.out.println("OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS"));

        snapshotCost();
        routeCheck();

        double[][] big = gaussian(4096, 1024, 1);
        double[][] bigS = new double[1][];
        report("4096x1024 SingularValues.of + SpectralMetrics.of", 3, () -> {
            bigS[0] = SingularValues.of(big);
            return SpectralMetrics.of(bigS[0], 4096, 1024);
        });
        report("4096x1024 LAPACK route alone (values)", 3, () -> new LapackSvd().values(big));

        List<double[][]> golden = new ArrayList<>();
        if (Files.isDirectory(goldenDir)) {
            try (Stream<Path> files = Files.list(goldenDir)) {
                files.filter(p -> p.toString().endsWith(".npy")).sorted()
                        .forEach(p -> golden.add(Npy.read(p).matrix()));
            }
            report("golden set (" + golden.size() + " matrices) SingularValues.of + SpectralMetrics.of", 5, () -> {
                for (double[][] w : golden) {
                    SpectralMetrics.of(SingularValues.of(w), w.length, w[0].length);
                }
                return null;
            });
        } else {
            System.out.println("golden set not found at " + goldenDir + ": skipped");
        }

        List<double[]> spectra = new ArrayList<>();
        List<String> names = new ArrayList<>();
        spectra.add(squares(bigS[0]));
        names.add("4096x1024 Gaussian (N=1024)");
        for (double[][] w : golden) {
            spectra.add(squares(SingularValues.of(w)));
            names.add("golden " + w.length + "x" + w[0].length);
        }
        Random random = new Random(2);
        for (int n : new int[] {1024, 4096}) {
            double[] pareto = new double[n];
            for (int i = 0; i < n; i++) {
                pareto[i] = Math.pow(1 - random.nextDouble(), -1 / 2.5); // Pareto tail, alpha = 3.5
            }
            spectra.add(pareto);
            names.add("Pareto alpha=3.5 (N=" + n + ")");
        }
        for (int n : new int[] {1024, 4096, 16384}) {
            // Adversarial for the pruning: the exact quantiles of a power law, so that the best candidate's
            // KS error is nearly the same at every point and bounds prune little.
            double[] quantiles = new double[n];
            for (int i = 0; i < n; i++) {
                quantiles[i] = Math.pow(1 - (i + 0.5) / n, -1 / 2.0);
            }
            spectra.add(quantiles);
            names.add("power-law quantiles (N=" + n + ")");
        }
        for (int i = 0; i < spectra.size(); i++) {
            double[] ev = spectra.get(i);
            long[] powers = {0};
            PowerLawFit.fit(ev, powers);
            long bigN = Arrays.stream(ev).filter(v -> v > PowerLawFit.EVALS_THRESHOLD).count();
            long wwPowers = bigN * (bigN - 1) / 2 + bigN - 1;
            System.out.printf(Locale.ROOT, "fit %-32s powers evaluated %,11d vs WeightWatcher's %,13d (%.4f); "
                    + "per candidate %.1f, log2 N = %.1f%n", names.get(i), powers[0], wwPowers,
                    (double) powers[0] / wwPowers, (double) powers[0] / Math.max(1, bigN - 1),
                    Math.log(bigN) / Math.log(2));
            if (bigN > 5000) {
                continue; // the naive loop takes seconds here
            }
            PowerLawFit fast = PowerLawFit.fit(ev);
            double[] naive = naiveFit(ev);
            double tFast = medianMillis(7, () -> PowerLawFit.fit(ev));
            double tNaive = medianMillis(3, () -> naiveFit(ev));
            System.out.printf(Locale.ROOT, "fit %-32s pruned %8.3f ms  naive %9.3f ms  speed-up %6.1fx  "
                    + "alpha %.10g vs %.10g, same xmin: %s%n", names.get(i), tFast, tNaive, tNaive / tFast,
                    fast.alpha(), naive[0], fast.degenerate() ? "degenerate" : fast.xmin() == naive[1]);
        }
    }

    /**
     * CPU time of one training snapshot's spectra (what runs on the worker thread) on the matrices of the
     * quickstart (194x500, 500x97) and of Nanda's transformer (114x128, 3x128, 4 x 128x128, 128x512,
     * 512x128, 128x113): {@link SingularValues#spectrum} (values + top-10 triplets) with
     * {@link SpectralMetrics#of}, against the route it replaced (QR + dgesvd full SVD through ND4J, with
     * {@link SpectrumCheck#verifyFull}). Median thread CPU ms over 9 runs.
     */
    static void snapshotCost() {
        int[][][] models = {{{194, 500}, {500, 97}},
            {{114, 128}, {3, 128}, {128, 128}, {128, 128}, {128, 128}, {128, 128}, {128, 512}, {512, 128}, {128, 113}}};
        String[] names = {"quickstart", "nanda-mod113"};
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < models.length; i++) {
            List<double[][]> ws = new ArrayList<>();
            for (int[] shape : models[i]) {
                ws.add(gaussian(shape[0], shape[1], 31L * shape[0] + shape[1]));
            }
            double[][] t = new double[2][9];
            for (int rep = -2; rep < 9; rep++) {
                long c0 = threads.getCurrentThreadCpuTime();
                for (double[][] w : ws) {
                    Spectrum sp = SingularValues.spectrum(w, VectorAgreement.DEFAULT_K);
                    SpectralMetrics.of(sp.values(), w.length, w[0].length).toMap();
                }
                long c1 = threads.getCurrentThreadCpuTime();
                for (double[][] w : ws) {
                    Svd full = new LapackSvd().full(w);
                    SpectrumCheck.verifyFull(full, w);
                    SpectralMetrics.of(full.s(), w.length, w[0].length).toMap();
                }
                long c2 = threads.getCurrentThreadCpuTime();
                if (rep >= 0) {
                    t[0][rep] = (c1 - c0) / 1e6;
                    t[1][rep] = (c2 - c1) / 1e6;
                }
            }
            Arrays.sort(t[0]);
            Arrays.sort(t[1]);
            System.out.printf(Locale.ROOT, "snapshot %-13s %d matrices: spectrum + metrics %6.1f CPU ms;"
                    + " previous route (QR + dgesvd full, verifyFull) %6.1f CPU ms%n", names[i], ws.size(), t[0][4], t[1][4]);
        }
    }

    /**
     * Evidence for the SVD route: on the shapes where ND4J M2.1's direct float64 gesvd is reported
     * wrong, prints the relative energy error |sum s^2 - ||W||_F^2| / ||W||_F^2 of the direct call, of
     * the QR + square gesvd route and of float32 gesvd, and the largest difference between direct and
     * QR values relative to s_1, with their times.
     */
    static void routeCheck() {
        for (int[] shape : new int[][] {{512, 2048}, {256, 1024}, {400, 1600}, {2048, 512}, {500, 194}, {97, 500},
            {128, 512}, {512, 128}, {114, 128}, {3, 128}}) {
            double[][] w = gaussian(shape[0], shape[1], 5L * shape[0] + shape[1]);
            double fro2 = Matrices.frobeniusSquared(w);
            long t0 = System.nanoTime();
            double[] direct = directGesvd(w, DataType.DOUBLE);
            long t1 = System.nanoTime();
            double[] qr = new LapackSvd().values(w);
            long t2 = System.nanoTime();
            double[] single = directGesvd(w, DataType.FLOAT);
            double maxDiff = 0;
            for (int i = 0; i < qr.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(direct[i] - qr[i]) / qr[0]);
            }
            System.out.printf(Locale.ROOT, "route %4dx%-4d energy error: direct f64 %.1e (%4.0f ms)  qr+gesvd f64 %.1e "
                    + "(%4.0f ms)  direct f32 %.1e;  max|direct-qr|/s1 %.1e%n", shape[0], shape[1],
                    energyError(direct, fro2), (t1 - t0) / 1e6, energyError(qr, fro2), (t2 - t1) / 1e6,
                    energyError(single, fro2), maxDiff);
        }
    }

    private static double[] directGesvd(double[][] w, DataType type) {
        INDArray a = Nd4j.createFromArray(w).castTo(type).dup('f');
        INDArray s = Nd4j.create(type, Math.min(w.length, w[0].length));
        Nd4j.getBlasWrapper().lapack().gesvd(a, s, null, null);
        return s.castTo(DataType.DOUBLE).toDoubleVector();
    }

    private static double energyError(double[] s, double fro2) {
        double e = 0;
        for (double v : s) {
            e += v * v;
        }
        return Math.abs(e - fro2) / fro2;
    }

    /**
     * WeightWatcher 0.7.5.5's WWFit loop, transcribed without optimisation: for every candidate i,
     * alpha_i from the tail sum and D_i over the whole tail. Theta(N^2). Returns {alpha, xmin, D, sigma,
     * i}; used to time and to cross-check {@link PowerLawFit}.
     */
    static double[] naiveFit(double[] eigenvalues) {
        double[] x = Arrays.stream(eigenvalues).filter(v -> v > PowerLawFit.EVALS_THRESHOLD).sorted().toArray();
        int bigN = x.length;
        double[] logs = Arrays.stream(x).map(Math::log).toArray();
        int best = 0;
        double bestD = Double.POSITIVE_INFINITY;
        double bestAlpha = Double.NaN;
        for (int i = 0; i < bigN - 1; i++) {
            int n = bigN - i;
            double sum = 0;
            for (int j = i; j < bigN; j++) {
                sum += logs[j];
            }
            double alpha = 1 + n / (sum - n * logs[i]);
            double d = 1;
            if (alpha > 1) {
                d = 0;
                for (int j = i; j < bigN; j++) {
                    d = Math.max(d, Math.abs(1 - Math.pow(x[j] / x[i], 1 - alpha) - (double) (j - i) / n));
                }
            }
            if (d < bestD) {
                bestD = d;
                best = i;
                bestAlpha = alpha;
            }
        }
        return new double[] {bestAlpha, x[best], bestD, (bestAlpha - 1) / Math.sqrt(bigN - best), best};
    }

    private static void report(String what, int runs, Supplier<Object> task) {
        System.out.printf(Locale.ROOT, "%-72s median %9.1f ms over %d runs%n", what, medianMillis(runs, task), runs);
    }

    private static double medianMillis(int runs, Supplier<Object> task) {
        task.get(); // warm-up
        double[] t = new double[runs];
        for (int r = 0; r < runs; r++) {
            long start = System.nanoTime();
            task.get();
            t[r] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    private static double[] squares(double[] s) {
        return Arrays.stream(s).map(v -> v * v).toArray();
    }

    private static double[][] gaussian(int m, int n, long seed) {
        Random random = new Random(seed);
        double[][] w = new double[m][n];
        for (double[] row : w) {
            for (int j = 0; j < n; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return w;
    }
}
