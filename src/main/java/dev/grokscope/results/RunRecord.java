package dev.grokscope.results;

import dev.grokscope.train.RunStatus;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * run.json: provenance, seed, start and end, and status. Rewritten atomically on every change, so it
 * always holds a whole, current record.
 */
public final class RunRecord {
    private final Path file;
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final Instant started;

    private RunRecord(Path file, Instant started) {
        this.file = file;
        this.started = started;
    }

    /** Writes a new run.json with status running. */
    public static RunRecord start(Path file, String name, long seed, Map<String, Object> provenance) throws IOException {
        Instant now = Instant.now();
        RunRecord r = new RunRecord(file, now);
        r.fields.put("name", name);
        r.fields.put("status", RunStatus.RUNNING);
        r.fields.put("seed", seed);
        r.fields.put("started", now.toString());
        r.fields.put("ended", null);
        r.fields.put("duration_s", null);
        r.fields.putAll(provenance);
        r.write();
        return r;
    }

    /**
     * Reopens an existing run.json to resume the run: status back to running, the resume noted in a
     * {@code resumes} list (when, from which checkpoint epoch); everything else kept.
     */
    @SuppressWarnings("unchecked")
    public static RunRecord resume(Path file, int afterEpoch) throws IOException {
        Map<String, Object> old = Json.mapper().readValue(file.toFile(), LinkedHashMap.class);
        Instant now = Instant.now();
        RunRecord r = new RunRecord(file, now);
        r.fields.putAll(old);
        r.fields.put("status", RunStatus.RUNNING);
        r.fields.put("ended", null);
        java.util.List<Object> resumes = new java.util.ArrayList<>();
        if (old.get("resumes") instanceof java.util.List<?> l) {
            resumes.addAll(l);
        }
        resumes.add(Map.of("at", now.toString(), "after_epoch", afterEpoch));
        r.fields.put("resumes", resumes);
        r.fields.remove("message");
        r.write();
        return r;
    }

    /**
     * The status a run.json records, or empty when there is no run.json.
     *
     * @throws Unreadable when the file exists but cannot be read or parsed, or names no known status: a
     *     damaged record, which callers must neither trust nor overwrite
     */
    public static java.util.Optional<RunStatus> status(Path file) {
        if (!java.nio.file.Files.exists(file)) {
            return java.util.Optional.empty();
        }
        com.fasterxml.jackson.databind.JsonNode status;
        try {
            status = Json.mapper().readTree(file.toFile()).path("status");
        } catch (IOException e) {
            throw new Unreadable(file + ": unreadable run record (" + oneLine(e.getMessage()) + ")");
        }
        return java.util.Optional.of(RunStatus.parse(status.asText("")).orElseThrow(() -> new Unreadable(file
                + ": run record names no known status (status: " + status + ")")));
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** A run.json that exists but cannot be read as a run record: bad input wherever it is met. */
    public static final class Unreadable extends dev.grokscope.BadInputException {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message);
        }
    }

    /** Records a field (e.g. parameter counts) and rewrites the file. */
    public void put(String key, Object value) throws IOException {
        fields.put(key, value);
        write();
    }

    /** Records how the run ended. */
    public void end(RunStatus status, String message) throws IOException {
        Instant now = Instant.now();
        fields.put("status", status);
        fields.put("ended", now.toString());
        fields.put("duration_s", Duration.between(started, now).toMillis() / 1000.0);
        if (message != null) {
            fields.put("message", message);
        }
        write();
    }

    private void write() throws IOException {
        Json.write(file, fields);
    }
}
