package dev.grokscope.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grokscope.backend.BlasThreads;
import dev.grokscope.results.CsvLog;
import dev.grokscope.results.Npy;
import dev.grokscope.results.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The pipeline's contract with its sinks: every snapshot to all or none, in order, and resuming. */
class SpectraPipelineTest {
    /** An extra sink that records what it gets and fails on one epoch. */
    private static final class Recording implements SnapshotSink {
        final List<Integer> appended = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        final int failAt;

        Recording(int failAt) {
            this.failAt = failAt;
        }

        @Override
        public void open(AnalysedSnapshot first, Resume resume) {
            calls.add("open " + first.epoch() + " after " + resume.afterEpoch() + " keep " + resume.snapshots());
        }

        @Override
        public void append(AnalysedSnapshot s) throws IOException {
            if (s.epoch() == failAt) {
                throw new IOException("disk full at " + s.epoch());
            }
            appended.add(s.epoch());
            assertEquals(List.of("a", "b"), s.matrices().stream().map(AnalysedMatrix::name).toList());
        }

        @Override
        public void undo() {
            calls.add("undo");
        }

        @Override
        public void finish(boolean complete) {
            calls.add("finish " + complete);
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    @Test
    void aFailedSinkUndoesTheSnapshotEverywhereAndAResumeContinues(@TempDir Path tmp) throws IOException {
        RunDirectory dir = new RunDirectory(tmp.resolve("run")).create();
        Recording failing = new Recording(2);
        SpectraPipeline p = new SpectraPipeline(dir, List.of(List.of("a", "b")), true, List.of(failing));
        p.start(0);
        p.submit(Snapshot.take(0, matrices(0)));
        p.submit(Snapshot.take(1, matrices(1)));
        p.submit(Snapshot.take(2, matrices(2)));
        IOException e = assertThrows(IOException.class, p::awaitPending);
        assertTrue(e.getMessage().contains("disk full at 2"), e.getMessage());
        p.finish(false);
        assertEquals(List.of(0, 1), failing.appended);
        assertEquals(List.of("open 0 after 0 keep 0", "undo", "finish false", "close"), failing.calls);
        assertSnapshots(dir, new double[] {0, 1});

        Recording resumed = new Recording(-1);
        SpectraPipeline q = new SpectraPipeline(dir, List.of(List.of("a", "b")), false, List.of(resumed));
        q.start(1);
        q.submit(Snapshot.take(2, matrices(2)));
        q.submit(Snapshot.take(3, matrices(3)));
        q.finish(true);
        assertEquals(List.of("open 2 after 1 keep 2", "finish true", "close"), resumed.calls);
        assertSnapshots(dir, new double[] {0, 1, 2, 3});
        List<CSVRecord> rows = CsvLog.read(dir.spectraCsv());
        CSVRecord a2 = rows.get(4);
        assertEquals("2", a2.get("epoch"));
        assertFalse(a2.get("sva_prev").isEmpty(), "sva_prev continues across the resume (vectors read back)");
        assertTrue(Double.parseDouble(a2.get("sva_prev")) > 0.9, "small steps: the vectors barely move");
        assertFalse(a2.get("align_next").isEmpty(), "a (6x8) feeds b (8x5)");
        assertEquals(4 * 2, CsvLog.read(dir.spectra().resolve(VectorFilesSink.FINAL_CSV)).size());
    }

    private static void assertSnapshots(RunDirectory dir, double[] epochs) throws IOException {
        assertArrayEquals(epochs, Npy.read(dir.spectra().resolve(RunDirectory.EPOCHS)).data());
        assertEquals(2 * epochs.length, CsvLog.read(dir.spectraCsv()).size());
        for (String m : List.of("a", "b")) {
            assertEquals(epochs.length, Npy.read(dir.spectrum(m)).rows(), m);
            assertEquals(epochs.length, Npy.read(dir.spectra().resolve("vectors/" + m + ".U.npy")).rows(), m);
        }
    }

    /** Two matrices that drift a little per epoch, as trained weights do. */
    @Test
    void theScheduleLeavesTheWorkerACoreOrUsesThemAll() {
        assertEquals(SpectraPipeline.Schedule.INLINE, SpectraPipeline.Schedule.of(false, 2));
        assertEquals(SpectraPipeline.Schedule.INLINE, SpectraPipeline.Schedule.of(false, 1));
        assertEquals(SpectraPipeline.Schedule.BACKGROUND, SpectraPipeline.Schedule.of(true, 1));
        assertEquals(SpectraPipeline.Schedule.ALL_CORES, SpectraPipeline.Schedule.of(true, 2));
        assertEquals(SpectraPipeline.Schedule.ALL_CORES, SpectraPipeline.Schedule.of(true, 8));
    }

    @Test
    void everyCoreAnalysesAtOneBlasThreadAndTheFilesAreTheSameAsInline(@TempDir Path tmp) throws IOException {
        int before = BlasThreads.current();
        BlasThreads.set(2);
        try {
            Map<SpectraPipeline.Schedule, RunDirectory> dirs = new LinkedHashMap<>();
            for (SpectraPipeline.Schedule schedule : SpectraPipeline.Schedule.values()) {
                RunDirectory dir = new RunDirectory(tmp.resolve(schedule.name())).create();
                List<Integer> blasDuringWrites = new ArrayList<>();
                SpectraPipeline p = new SpectraPipeline(dir, List.of(List.of("a", "b")), schedule,
                        List.of(new Probe(blasDuringWrites)));
                p.start(0);
                for (int epoch = 0; epoch < 3; epoch++) {
                    p.submit(Snapshot.take(epoch, matrices(epoch)));
                    assertEquals(2, BlasThreads.current(), schedule + ": training's BLAS threads as they were");
                }
                p.finish(true);
                assertEquals(3, blasDuringWrites.size(), schedule.name());
                dirs.put(schedule, dir);
            }
            // the same BLAS threads: the same bits; one BLAS thread each: LAPACK's rounding differs in the last bits
            RunDirectory inline = dirs.get(SpectraPipeline.Schedule.INLINE);
            RunDirectory background = dirs.get(SpectraPipeline.Schedule.BACKGROUND);
            RunDirectory allCores = dirs.get(SpectraPipeline.Schedule.ALL_CORES);
            assertEquals(java.nio.file.Files.readString(inline.spectraCsv()), java.nio.file.Files.readString(background.spectraCsv()));
            List<String> expected = java.nio.file.Files.readAllLines(inline.spectraCsv());
            List<String> actual = java.nio.file.Files.readAllLines(allCores.spectraCsv());
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                String[] e = expected.get(i).split(",", -1);
                String[] a = actual.get(i).split(",", -1);
                assertEquals(e.length, a.length);
                for (int j = 0; j < e.length; j++) {
                    if (e[j].matches("-?[0-9.]+(E-?[0-9]+)?")) {
                        double x = Double.parseDouble(e[j]);
                        assertEquals(x, Double.parseDouble(a[j]), 1e-9 * Math.max(1, Math.abs(x)), "line " + i + " field " + j);
                    } else {
                        assertEquals(e[j], a[j], "line " + i + " field " + j);
                    }
                }
            }
            assertArrayEquals(Npy.read(inline.spectra().resolve("a.npy")).data(),
                    Npy.read(allCores.spectra().resolve("a.npy")).data(), 1e-12);
        } finally {
            BlasThreads.set(before);
        }
    }

    /**
     * A worker that never runs (all its threads busy, say): the training thread does each snapshot's
     * decompositions and writes itself when it hands over the next one, and the files are those of an
     * inline pipeline, bit for bit.
     */
    @Test
    void theTrainingThreadDoesWhatTheWorkerDoesNotGetTo(@TempDir Path tmp) throws IOException {
        List<Runnable> neverRun = new ArrayList<>();
        java.util.concurrent.ExecutorService stalled = new java.util.concurrent.AbstractExecutorService() {
            private boolean down;

            @Override
            public void execute(Runnable r) {
                neverRun.add(r);
            }

            @Override
            public void shutdown() {
                down = true;
            }

            @Override
            public List<Runnable> shutdownNow() {
                down = true;
                return neverRun;
            }

            @Override
            public boolean isShutdown() {
                return down;
            }

            @Override
            public boolean isTerminated() {
                return down;
            }

            @Override
            public boolean awaitTermination(long t, java.util.concurrent.TimeUnit u) {
                return down;
            }
        };
        RunDirectory helped = new RunDirectory(tmp.resolve("helped")).create();
        SpectraPipeline p = new SpectraPipeline(helped, List.of(List.of("a", "b")), SpectraPipeline.Schedule.BACKGROUND,
                List.of(), stalled);
        p.start(0);
        for (int epoch = 0; epoch < 4; epoch++) {
            p.submit(Snapshot.take(epoch, matrices(epoch)));
        }
        p.finish(true);
        assertEquals(4, neverRun.size(), "every snapshot was offered to the worker");
        RunDirectory inline = new RunDirectory(tmp.resolve("inline")).create();
        SpectraPipeline q = new SpectraPipeline(inline, List.of(List.of("a", "b")), SpectraPipeline.Schedule.INLINE,
                List.of());
        q.start(0);
        for (int epoch = 0; epoch < 4; epoch++) {
            q.submit(Snapshot.take(epoch, matrices(epoch)));
        }
        q.finish(true);
        assertSnapshots(helped, new double[] {0, 1, 2, 3});
        assertEquals(java.nio.file.Files.readString(inline.spectraCsv()), java.nio.file.Files.readString(helped.spectraCsv()));
        for (String m : List.of("a", "b")) {
            assertArrayEquals(Npy.read(inline.spectrum(m)).data(), Npy.read(helped.spectrum(m)).data(), 0.0, m);
        }
        assertTrue(p.msPerSnapshot() > 0 && p.cpuMsPerSnapshot() > 0, "the training thread's time is counted");
    }

    /** The background worker writes from the idle scheduling class while the training thread is elsewhere. */
    @Test
    void theWorkerWorksInTheIdleClass(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT)
                .contains("linux"), "SCHED_IDLE is Linux's");
        java.util.concurrent.CountDownLatch written = new java.util.concurrent.CountDownLatch(1);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        SnapshotSink probe = new SnapshotSink() {
            @Override
            public void open(AnalysedSnapshot first, Resume resume) {
            }

            @Override
            public void append(AnalysedSnapshot s) {
                seen.add(Thread.currentThread().getName() + " idle " + dev.grokscope.backend.IdlePriority.isCurrentThreadIdle());
                written.countDown();
            }

            @Override
            public void undo() {
            }

            @Override
            public void close() {
            }
        };
        RunDirectory dir = new RunDirectory(tmp.resolve("run")).create();
        SpectraPipeline p = new SpectraPipeline(dir, List.of(List.of("a", "b")), SpectraPipeline.Schedule.BACKGROUND,
                List.of(probe));
        p.start(0);
        p.submit(Snapshot.take(0, matrices(0)));
        // this thread does not help until awaitPending: whoever wrote snapshot 0 meanwhile was the worker
        assertTrue(written.await(60, java.util.concurrent.TimeUnit.SECONDS), "the worker wrote the snapshot");
        p.finish(true);
        assertEquals(List.of("grokscope-spectra-1 idle true"), seen);
    }

    /** A sink that records the BLAS's thread count each time it is written to. */
    private record Probe(List<Integer> seen) implements SnapshotSink {
        @Override
        public void open(AnalysedSnapshot first, Resume resume) {
        }

        @Override
        public void append(AnalysedSnapshot s) {
            seen.add(BlasThreads.current());
        }

        @Override
        public void undo() {
        }

        @Override
        public void finish(boolean complete) {
        }

        @Override
        public void close() {
        }
    }

    private static Map<String, INDArray> matrices(int epoch) {
        Nd4j.getRandom().setSeed(7);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 6, 8);
        INDArray b = Nd4j.randn(DataType.DOUBLE, 8, 5);
        Nd4j.getRandom().setSeed(100 + epoch);
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("a", a.addi(Nd4j.randn(DataType.DOUBLE, 6, 8).muli(0.01 * epoch)));
        m.put("b", b.addi(Nd4j.randn(DataType.DOUBLE, 8, 5).muli(0.01 * epoch)));
        return m;
    }
}
