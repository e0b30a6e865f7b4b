package dev.grokscope.spectra;

import java.util.LinkedHashMap;

/**
 * Spectral metrics of one m x n weight matrix W, computed from its singular values alone.
 *
 * <p>Notation: s_1 >= ... >= s_k (k = min(m, n)), lambda_i = s_i^2 (eigenvalues of W^T W),
 * N = max(m, n). Definitions follow docs/spectral-metrics.md and match WeightWatcher
 * 0.7.5.5 and Yunis et al. 2024's evaluate_run.py; names in {@link #toMap()} are the keys of
 * src/test/resources/golden/spectra/golden.json and the CSV columns of spectra.csv.
 *
 * <p>Plain norms: frobenius_norm = sqrt(sum s^2); spectral_norm = s_1; nuclear_norm = sum s.
 *
 * <p>WeightWatcher (Martin &amp; Mahoney 2021): lambda_max = s_1^2; log_norm = log10(sum lambda);
 * log_spectral_norm = log10(lambda_max); stable_rank = sum lambda / lambda_max;
 * matrix_rank = #{s_i > s_1 N eps} (numpy's matrix_rank tolerance, eps = 2^-52);
 * entropy = -sum p_i ln p_i / ln(matrix_rank) with p_i = lambda_i / sum lambda + 1e-10
 * (RMT_Util.matrix_entropy; undefined, null, when matrix_rank <= 1); the power-law fit
 * ({@link PowerLawFit}); alpha_weighted = alpha log10(lambda_max); log_alpha_norm = log10(sum lambda^alpha);
 * warning = "over-trained" if alpha < 2, "under-trained" if alpha > 6, else "ok" (null if no fit); the
 * Marchenko-Pastur bulk ({@link MarchenkoPastur}: sigma_mp, bulk_min, bulk_max, num_spikes, mp_softrank).
 *
 * <p>Yunis et al. 2024 ("Grokking, rank minimization and generalization in deep learning"), on
 * s'_i = s_i + 1e-10: effective_rank_roy_vetterli = exp(-sum q_i ln q_i) with q_i = s'_i / sum s'
 * (Roy &amp; Vetterli 2007); effective_rank_normalized = that / k;
 * eff_rank_count = (smallest j with sum_{i<=j} s'_i / sum s' > 0.9) / k;
 * eff_rank_ratio = (sum s'^2 / s'_1^2) / k (stable rank over k).
 *
 * <p>Values that are undefined (e.g. log10(0) of an all-zero matrix) are null, never a sentinel.
 */
public record SpectralMetrics(
        int rows,
        int cols,
        double frobeniusNorm,
        double spectralNorm,
        double nuclearNorm,
        double lambdaMax,
        Double logNorm,
        Double logSpectralNorm,
        Double stableRank,
        int matrixRank,
        Double entropy,
        double effectiveRankRoyVetterli,
        double effectiveRankNormalized,
        double effRankCount,
        double effRankRatio,
        PowerLawFit powerLaw,
        Double alphaWeighted,
        Double logAlphaNorm,
        String warning,
        MarchenkoPastur marchenkoPastur) {

    /** Added to every singular value before the Yunis et al. metrics, as their code does. */
    public static final double YUNIS_EPS = 1e-10;
    /** Added to every probability in WeightWatcher's matrix entropy, as RMT_Util does. */
    public static final double ENTROPY_EPS = 1e-10;
    /** Cumulative share of sum s that eff_rank_count reaches. */
    public static final double EFF_RANK_COUNT_SHARE = 0.9;
    /** alpha below this: WeightWatcher's "over-trained" warning. */
    public static final double ALPHA_OVER_TRAINED = 2;
    /** alpha above this: WeightWatcher's "under-trained" warning. */
    public static final double ALPHA_UNDER_TRAINED = 6;

    /**
     * Computes every metric of an m x n matrix from its singular values.
     *
     * @param singularValuesDescending all k = min(rows, cols) singular values, descending, finite, >= 0
     * @throws IllegalArgumentException naming the broken rule
     */
    public static SpectralMetrics of(double[] singularValuesDescending, int rows, int cols) {
        double[] s = singularValuesDescending;
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("rows and cols must be >= 1, got " + rows + "x" + cols);
        }
        int k = Math.min(rows, cols);
        if (s == null || s.length != k) {
            throw new IllegalArgumentException("expected k = min(rows, cols) = " + k + " singular values, got "
                    + (s == null ? "none" : s.length));
        }
        for (int i = 0; i < k; i++) {
            if (!Double.isFinite(s[i]) || s[i] < 0 || (i > 0 && s[i] > s[i - 1])) {
                throw new IllegalArgumentException("singular values must be finite, >= 0 and descending; s[" + i
                        + "] = " + s[i]);
            }
        }
        double[] lambda = new double[k];
        double sumLambda = 0;
        double nuclear = 0;
        for (int i = 0; i < k; i++) {
            lambda[i] = s[i] * s[i];
            sumLambda += lambda[i];
            nuclear += s[i];
        }
        double lambdaMax = lambda[0];
        int rank = matrixRank(s, Math.max(rows, cols));
        PowerLawFit fit = PowerLawFit.fit(lambda);
        Double alphaWeighted = null;
        Double logAlphaNorm = null;
        String warning = null;
        if (!fit.degenerate()) {
            double alpha = fit.alpha();
            alphaWeighted = alpha * Math.log10(lambdaMax);
            double sumPow = 0;
            for (double l : lambda) {
                sumPow += Math.pow(l, alpha);
            }
            logAlphaNorm = finiteOrNull(Math.log10(sumPow));
            warning = alpha < ALPHA_OVER_TRAINED ? "over-trained" : alpha > ALPHA_UNDER_TRAINED ? "under-trained" : "ok";
        }
        double[] yunis = yunisRanks(s);
        return new SpectralMetrics(rows, cols, Math.sqrt(sumLambda), s[0], nuclear, lambdaMax,
                finiteOrNull(Math.log10(sumLambda)), finiteOrNull(Math.log10(lambdaMax)),
                finiteOrNull(sumLambda / lambdaMax), rank, entropy(lambda, sumLambda, rank),
                yunis[0], yunis[0] / k, yunis[1], yunis[2], fit, alphaWeighted, logAlphaNorm, warning,
                MarchenkoPastur.fit(lambda, rows, cols));
    }

    /** #{s_i > s_1 * N * eps(float64)}, numpy.linalg.matrix_rank's default tolerance. */
    static int matrixRank(double[] s, int bigN) {
        double tol = s[0] * bigN * Math.ulp(1.0);
        int rank = 0;
        for (double v : s) {
            if (v > tol) {
                rank++;
            }
        }
        return rank;
    }

    /** WeightWatcher's matrix entropy, normalised by ln(rank); null when rank <= 1 or sum lambda = 0. */
    static Double entropy(double[] lambda, double sumLambda, int rank) {
        if (rank <= 1 || !(sumLambda > 0)) {
            return null;
        }
        double h = 0;
        for (double l : lambda) {
            double p = l / sumLambda + ENTROPY_EPS;
            h -= p * Math.log(p);
        }
        return h / Math.log(rank);
    }

    /** {exp(entropy of s'/sum s'), eff_rank_count, eff_rank_ratio} with s' = s + 1e-10. */
    static double[] yunisRanks(double[] s) {
        int k = s.length;
        double[] sp = new double[k];
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < k; i++) {
            sp[i] = s[i] + YUNIS_EPS;
            sum += sp[i];
            sumSq += sp[i] * sp[i];
        }
        double h = 0;
        for (double v : sp) {
            double q = v / sum;
            h -= q * Math.log(q);
        }
        int count = k;
        double cum = 0;
        for (int j = 0; j < k; j++) {
            cum += sp[j];
            if (cum / sum > EFF_RANK_COUNT_SHARE) {
                count = j + 1;
                break;
            }
        }
        return new double[] {Math.exp(h), (double) count / k, sumSq / (sp[0] * sp[0]) / k};
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static Double nanToNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /**
     * The metrics by their golden.json names, in a stable order: rows, cols, the plain norms,
     * WeightWatcher's norms and ranks, the Yunis ranks, then fit ("ok" | "degenerate"), alpha, xmin, D,
     * sigma, num_pl_spikes, alpha_weighted, log_alpha_norm, warning, and the Marchenko-Pastur sigma_mp,
     * bulk_min, bulk_max, num_spikes, mp_softrank. Numbers are Integer or Double;
     * undefined values (a degenerate fit's alpha, ...) are null.
     */
    public LinkedHashMap<String, Object> toMap() {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("rows", rows);
        m.put("cols", cols);
        m.put("frobenius_norm", frobeniusNorm);
        m.put("spectral_norm", spectralNorm);
        m.put("nuclear_norm", nuclearNorm);
        m.put("lambda_max", lambdaMax);
        m.put("log_norm", logNorm);
        m.put("log_spectral_norm", logSpectralNorm);
        m.put("stable_rank", stableRank);
        m.put("matrix_rank", matrixRank);
        m.put("entropy", entropy);
        m.put("effective_rank_roy_vetterli", effectiveRankRoyVetterli);
        m.put("effective_rank_normalized", effectiveRankNormalized);
        m.put("eff_rank_count", effRankCount);
        m.put("eff_rank_ratio", effRankRatio);
        m.put("fit", powerLaw.status().label());
        m.put("alpha", nanToNull(powerLaw.alpha()));
        m.put("xmin", nanToNull(powerLaw.xmin()));
        m.put("D", nanToNull(powerLaw.ksDistance()));
        m.put("sigma", nanToNull(powerLaw.sigma()));
        m.put("num_pl_spikes", powerLaw.degenerate() ? null : powerLaw.numPlSpikes());
        m.put("alpha_weighted", alphaWeighted);
        m.put("log_alpha_norm", logAlphaNorm);
        m.put("warning", warning);
        boolean mp = !Double.isNaN(marchenkoPastur.sigma());
        m.put("sigma_mp", nanToNull(marchenkoPastur.sigma()));
        m.put("bulk_min", nanToNull(marchenkoPastur.bulkMin()));
        m.put("bulk_max", nanToNull(marchenkoPastur.bulkMax()));
        m.put("num_spikes", mp ? marchenkoPastur.numSpikes() : null);
        m.put("mp_softrank", nanToNull(marchenkoPastur.softRank()));
        return m;
    }
}
