package dev.grokscope.snapshot;

import dev.grokscope.results.Npy;
import dev.grokscope.results.RunDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code spectra/<matrix>.npy}: each matrix's singular values, one row (descending) per snapshot. */
public final class SingularValuesSink implements SnapshotSink {
    private final RunDirectory dir;
    private final Map<String, Npy.NpyAppender> files = new LinkedHashMap<>();
    private long rows;
    private long before;

    public SingularValuesSink(RunDirectory dir) {
        this.dir = dir;
    }

    @Override
    public void open(AnalysedSnapshot first, Resume resume) throws IOException {
        for (AnalysedMatrix m : first.matrices()) {
            int k = m.singularValues().length;
            var path = dir.spectrum(m.name());
            files.put(m.name(), resume.resuming() && Files.exists(path)
                    ? Npy.NpyAppender.reopen(path, k, resume.snapshots()) : Npy.NpyAppender.create(path, k));
        }
        rows = resume.resuming() ? resume.snapshots() : 0;
    }

    @Override
    public void append(AnalysedSnapshot snapshot) throws IOException {
        before = rows;
        rows++;
        for (AnalysedMatrix m : snapshot.matrices()) {
            files.get(m.name()).append(m.singularValues());
        }
    }

    @Override
    public void undo() throws IOException {
        rows = before;
        for (Npy.NpyAppender a : files.values()) {
            a.truncate(before);
        }
    }

    @Override
    public void close() throws IOException {
        Npy.closeAll(files.values());
    }
}
