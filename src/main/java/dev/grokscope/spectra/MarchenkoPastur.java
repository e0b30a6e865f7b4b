package dev.grokscope.spectra;

import java.util.Arrays;

/**
 * The Marchenko-Pastur bulk of an ESD and the spikes above it, after WeightWatcher's {@code mp_fit}
 * (Martin &amp; Mahoney 2021), with a different estimator of the bulk's scale.
 *
 * <p>For an N x M matrix (N = max, M = min dimension, Q = N / M >= 1) with i.i.d. entries of variance
 * sigma^2 / N, the eigenvalues of W^T W fill [sigma^2 (1 - 1/sqrt Q)^2, sigma^2 (1 + 1/sqrt Q)^2] as
 * N grows. As WeightWatcher does with {@code rescale=True}, the M eigenvalues are first scaled to mean 1
 * (lambda' = lambda M / sum lambda), so that sigma = 1 for pure noise. Then:
 * <pre>
 *   bulk_max = sigma^2 (1 + 1/sqrt Q)^2,  bulk_min = sigma^2 (1 - 1/sqrt Q)^2
 *   TW       = bulk_max^(2/3) M^(-2/3) / sqrt Q                      (Tracy-Widom scale of the edge)
 *   num_spikes  = #{lambda' > bulk_max + sqrt TW}
 *   mp_softrank = bulk_max / lambda'_max
 * </pre>
 * bulk_min and bulk_max are reported in the units of lambda (divided back by the scale); sigma_mp in
 * the scaled units, as WeightWatcher reports it.
 *
 * <p>Estimator. WeightWatcher fits sigma by matching a kernel density estimate of the ESD to the MP
 * density over a grid; here sigma^2 is the mean of the bulk itself: starting from the mean of all
 * scaled eigenvalues (1), sigma^2 is replaced by the mean of the eigenvalues at or below
 * bulk_max + sqrt TW until that set stops changing. Spikes are excluded step by step; for pure noise
 * the first step is already the fixed point (sigma = 1). Each step is O(1) on prefix sums of the sorted
 * eigenvalues, so the whole estimate is O(M log M). Its values therefore differ from WeightWatcher's
 * sigma_mp (which depends on a bandwidth); the spike count agrees wherever the spikes are clear of the
 * edge.
 *
 * @param q aspect ratio N / M
 * @param sigma the bulk scale sigma_mp in units where the mean eigenvalue is 1 (NaN if undefined)
 * @param bulkMin lower MP edge, in the units of lambda (NaN if undefined)
 * @param bulkMax upper MP edge, in the units of lambda (NaN if undefined)
 * @param numSpikes eigenvalues above the edge plus its Tracy-Widom margin (0 if undefined)
 * @param softRank mp_softrank = bulk_max / lambda_max (NaN if undefined)
 */
public record MarchenkoPastur(double q, double sigma, double bulkMin, double bulkMax, int numSpikes, double softRank) {

    /** Fits the bulk of the eigenvalues {@code lambda} (any order, all M of them) of an N x M matrix. */
    public static MarchenkoPastur fit(double[] lambda, int rows, int cols) {
        int bigN = Math.max(rows, cols);
        int m = Math.min(rows, cols);
        if (lambda.length != m) {
            throw new IllegalArgumentException("expected " + m + " eigenvalues, got " + lambda.length);
        }
        double q = (double) bigN / m;
        double[] x = lambda.clone();
        Arrays.sort(x);
        double[] prefix = new double[m + 1];
        for (int i = 0; i < m; i++) {
            prefix[i + 1] = prefix[i] + x[i];
        }
        double total = prefix[m];
        if (!(total > 0) || !Double.isFinite(total)) {
            return new MarchenkoPastur(q, Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN);
        }
        double scale = m / total; // lambda' = scale * lambda has mean 1
        double edgeFactorHi = Math.pow(1 + 1 / Math.sqrt(q), 2);
        double sigma2 = 1;
        int inBulk = m;
        for (int iter = 0; iter <= m; iter++) {
            double cut = cutoff(sigma2 * edgeFactorHi, m, q) / scale;
            int count = upperBound(x, cut);
            if (count == inBulk && iter > 0) {
                break;
            }
            if (count == 0) {
                break; // every eigenvalue is above the edge: keep the last estimate
            }
            inBulk = count;
            sigma2 = prefix[count] * scale / count;
        }
        double bulkMaxScaled = sigma2 * edgeFactorHi;
        double cut = cutoff(bulkMaxScaled, m, q) / scale;
        int spikes = m - upperBound(x, cut);
        double bulkMinScaled = sigma2 * Math.pow(1 - 1 / Math.sqrt(q), 2);
        double lambdaMaxScaled = x[m - 1] * scale;
        return new MarchenkoPastur(q, Math.sqrt(sigma2), bulkMinScaled / scale, bulkMaxScaled / scale, spikes,
                bulkMaxScaled / lambdaMaxScaled);
    }

    /** bulk_max + sqrt(TW), in scaled units. */
    private static double cutoff(double bulkMax, int m, double q) {
        double tw = Math.pow(bulkMax, 2.0 / 3) * Math.pow(m, -2.0 / 3) / Math.sqrt(q);
        return bulkMax + Math.sqrt(tw);
    }

    /** The number of sorted values <= v. */
    private static int upperBound(double[] sorted, double v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
