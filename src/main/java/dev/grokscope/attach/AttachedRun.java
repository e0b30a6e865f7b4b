package dev.grokscope.attach;

import dev.grokscope.BadInputException;
import dev.grokscope.results.Json;
import dev.grokscope.results.Npy;
import dev.grokscope.results.Provenance;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.snapshot.Snapshot;
import dev.grokscope.snapshot.SnapshotSink;
import dev.grokscope.snapshot.SpectraPipeline;
import dev.grokscope.train.RunStatus;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What both attached listeners share: the run directory of a model trained outside grokscope, its
 * run.json, the cadence and the {@link SpectraPipeline} (background analysis, the same files as a
 * grokscope run). Checks everything at construction and takes the epoch-0 snapshot of the initial weights.
 */
final class AttachedRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttachedRun.class);
    private final RunDirectory dir;
    private final Cadence cadence;
    private final Supplier<Map<String, INDArray>> matrices;
    private final SpectraPipeline pipeline;
    private final Map<String, Object> record = new LinkedHashMap<>();
    private final Instant started = Instant.now();
    private int last = -1;
    private boolean closed;

    /**
     * @param matrices fresh copies of the model's weight matrices, by stable name (in x out)
     * @param chains matrices where each feeds the next, for {@code align_next}
     * @param model what run.json says was trained (class name)
     * @throws IllegalArgumentException if the model has no 2-D weights or the cadence is null
     * @throws BadInputException if {@code dir} exists and is not empty, or cannot be created (checked first,
     *     leaving nothing behind)
     * @throws java.io.UncheckedIOException if {@code dir} cannot be created or written
     */
    AttachedRun(Path dir, Cadence cadence, Supplier<Map<String, INDArray>> matrices, List<List<String>> chains,
                String model, boolean background, List<SnapshotSink> extraSinks) {
        if (dir == null || cadence == null) {
            throw new IllegalArgumentException("spectra listener: directory and cadence must not be null");
        }
        Map<String, INDArray> first = matrices.get();
        if (first.isEmpty()) {
            throw new IllegalArgumentException("spectra listener: " + model
                    + " has no 2-D weight matrices (dense, convolution, embedding or recurrent weights) to analyse");
        }
        this.dir = RunDirectory.planned(dir);
        this.cadence = cadence;
        this.matrices = matrices;
        record.put("name", dir.toAbsolutePath().normalize().getFileName().toString());
        record.put("status", RunStatus.RUNNING);
        record.put("started", started.toString());
        record.put("ended", null);
        record.put("duration_s", null);
        record.put("source", "attached listener");
        record.put("model", model);
        record.put("matrices", List.copyOf(first.keySet()));
        record.put("snapshot_every", cadence.every());
        record.put("snapshot_unit", cadence.unit().label());
        record.put("grokscope_version", Provenance.version());
        record.put("dl4j_version", "1.0.0-M2.1");
        record.put("java", System.getProperty("java.runtime.version"));
        record.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
        try {
            Files.createDirectories(this.dir.spectra());
            writeRecord();
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException b) {
                throw b;
            }
            throw new IllegalArgumentException("spectra listener: " + dir + ": cannot create the run directory ("
                    + e.getMessage() + ")", e);
        }
        this.pipeline = new SpectraPipeline(this.dir, chains, background, extraSinks);
        pipeline.start(0);
        snapshot(0, first);
    }

    /** Called for every epoch or iteration the model completes (its 1-based count in that unit). */
    void tick(Cadence.Unit unit, int position) {
        if (closed || !cadence.due(unit, position) || position <= last) {
            return;
        }
        snapshot(position, matrices.get());
    }

    /** Snapshots the supplied copies and frees their native memory at once (they are ours). */
    private void snapshot(int position, Map<String, INDArray> matrices) {
        Snapshot s;
        try {
            s = pipeline.take(position, matrices);
        } finally {
            matrices.values().forEach(w -> {
                if (w.closeable()) {
                    w.close();
                }
            });
        }
        if (s.nonFinite() != null) {
            LOG.warn("spectra: {} has NaN or infinite entries at {} {}: no snapshot", s.nonFinite(),
                    cadence.unit().label(), position);
            return;
        }
        last = position;
        try {
            pipeline.submit(s);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("spectra: " + dir.root() + ": " + e.getMessage(), e);
        }
    }

    /** Waits for the pending snapshot, if any (rethrows its failure). */
    void await() throws IOException {
        pipeline.awaitPending();
    }

    /** Mean wall and CPU time of a snapshot's analysis and writes, ms. */
    double[] msPerSnapshot() {
        return new double[] {pipeline.msPerSnapshot(), pipeline.cpuMsPerSnapshot()};
    }

    RunDirectory directory() {
        return dir;
    }

    /**
     * Writes what is pending, {@code spectra/sva_final.csv}, the final weights ({@code weights/final/}) and
     * run.json as completed (or failed).
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        RunStatus status = RunStatus.COMPLETED;
        try {
            pipeline.finish(true);
            writeFinalWeights();
        } catch (IOException | RuntimeException e) {
            status = RunStatus.FAILED;
            record.put("message", e.getMessage());
            throw e;
        } finally {
            Instant now = Instant.now();
            record.put("status", status);
            record.put("ended", now.toString());
            record.put("duration_s", Duration.between(started, now).toMillis() / 1000.0);
            if (Double.isFinite(pipeline.msPerSnapshot())) {
                record.put("spectra_ms_per_snapshot", pipeline.msPerSnapshot());
                record.put("spectra_cpu_ms_per_snapshot", pipeline.cpuMsPerSnapshot());
            }
            writeRecord();
        }
    }

    /** weights/final/&lt;name&gt;.npy, float64, as a grokscope run has them (what {@code grokscope analyze DIR} reads). */
    private void writeFinalWeights() throws IOException {
        Files.createDirectories(dir.finalWeights());
        for (Map.Entry<String, INDArray> m : matrices.get().entrySet()) {
            Npy.writeFloat64(dir.finalWeights().resolve(m.getKey() + ".npy"),
                    m.getValue().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleMatrix());
        }
    }

    private void writeRecord() throws IOException {
        Json.write(dir.runJson(), record);
    }
}
