/**
 * Pure functions from a weight matrix to its spectrum and spectral metrics.
 *
 * <p>Entry points: {@link dev.grokscope.spectra.SingularValues} (matrix to verified float64 singular
 * values or SVD), {@link dev.grokscope.spectra.SpectralMetrics} (singular values to named metrics,
 * including {@link dev.grokscope.spectra.PowerLawFit}) and {@link dev.grokscope.spectra.VectorAgreement}
 * (two SVDs to Yunis et al.'s agreement scores). Metric names are those of
 * src/test/resources/golden/spectra/golden.json; definitions are in docs/spectral-metrics.md.
 *
 * <p>Snapshots ({@link dev.grokscope.spectra.SingularValues#spectrum}) take a cheaper path: every
 * singular value and the leading 10 triplets from the eigen-decomposition of the smaller Gram matrix
 * (one tridiagonal reduction on OpenBLAS), used only where that is exact (s_k >= 1e-3 s_1; otherwise
 * the values come from LAPACK's divide-and-conquer {@code dgesdd}), each triplet verified by its
 * residuals; see {@link dev.grokscope.spectra.GramSpectrum}. {@code SingularValues.of} and {@code full}
 * now try {@code dgesdd} on OpenBLAS first ({@link dev.grokscope.spectra.GesddSvd}), then the routes below.
 *
 * <p>The ND4J SVD routes, and why. ND4J M2.1's {@code Nd4j.linalg().svd} is broken, and its float64
 * {@code gesvd} is reported silently wrong on larger non-square matrices. Measured on this project's
 * 2-core machine (SpectraBenchmark#routeCheck, Gaussian matrices, OMP_NUM_THREADS=1): direct float64
 * gesvd, QR + square float64 gesvd and numpy all agreed, relative energy error <= 1.1e-15 and values
 * within 2.4e-15 s_1 on 512x2048, 256x1024, 400x1600, 2048x512, 500x194, 97x500, 128x512, 512x128,
 * 114x128 and 3x128; float32 gesvd was off by ~1e-7 (too coarse for the golden 1e-9). The reported fault
 * did not reproduce, so it depends on the environment (CPU kernel, threads). Singular values therefore
 * come from the direct float64 gesvd first (4096x1024 with every metric: 945 ms at 1 thread); its result
 * is verified (finite, sorted, sum s^2 = ||W||_F^2), and if the reported fault ever shows, the next route
 * is QR to a square R, then float64 gesvd on R (never a non-square matrix for gesvd, 1.3-3x the cost),
 * then a pure-Java Jacobi SVD; every result is verified. Full SVDs (vectors) take the QR route. Gram +
 * syev was rejected: it squares the condition number and loses singular values below ~1e-8 s_1
 * (golden wide_relu_product has 64 zero singular values).
 */
package dev.grokscope.spectra;
