package dev.grokscope.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grokscope.BadInputException;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.results.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a sweep as one SLURM job array: {@code sbatch.sh} holds the resources from the sweep file's
 * {@code slurm:} section and {@code --array=} lists the pending points' indices (their lines in
 * points.txt). Each task runs {@code grokscope sweep DIR --point ID}, which decides and runs that one
 * point exactly as the local executor would, with {@code OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK}.
 * Submissions are recorded in jobs.json; a sweep with a job still queued or running is not submitted
 * again. Tasks are requeueable: a preempted or {@code scontrol requeue}d task gets SIGTERM (its run writes
 * a checkpoint and marks itself interrupted) and, when it starts again, resumes its point from there.
 */
public final class SlurmExecutor {
    private final SweepDirectory dir;
    private final SweepSpec.SlurmSpec slurm;
    private final String name;

    public SlurmExecutor(SweepDirectory dir, SweepSpec.SlurmSpec slurm, String name) {
        this.dir = dir;
        this.slurm = slurm;
        this.name = name;
    }

    /** The array specification: indices compressed to ranges, e.g. {@code 0-3,7,9-10%4}. */
    static String array(List<Integer> indices, int maxRunning) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < indices.size(); ) {
            int j = i;
            while (j + 1 < indices.size() && indices.get(j + 1) == indices.get(j) + 1) {
                j++;
            }
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(indices.get(i));
            if (j > i) {
                b.append('-').append(indices.get(j));
            }
            i = j + 1;
        }
        if (maxRunning > 0) {
            b.append('%').append(maxRunning);
        }
        return b.toString();
    }

    /** Writes sbatch.sh for the given point indices (the ones not finished). */
    public Path writeScript(List<Integer> indices, int maxRunning) throws IOException {
        Path root = dir.root();
        List<String> s = new ArrayList<>();
        s.add("#!/bin/bash");
        s.add("# Written by grokscope sweep: one array task per pending point of " + name + ".");
        s.add("#SBATCH --job-name=grokscope-" + name);
        s.add("#SBATCH --array=" + array(indices, maxRunning));
        s.add("#SBATCH --chdir=" + quoteSbatch(root.toString()));
        s.add("#SBATCH --output=" + quoteSbatch(root.resolve(SweepDirectory.SLURM_LOGS).resolve("%A_%a.log").toString()));
        // Preempted or requeued tasks start again (SLURM sends SIGTERM first: the run writes a checkpoint and
        // the new attempt resumes it); logs of every attempt are kept, appended.
        s.add("#SBATCH --requeue");
        s.add("#SBATCH --open-mode=append");
        s.add("#SBATCH --ntasks=1");
        s.add("#SBATCH --cpus-per-task=" + Math.max(1, slurm.cpusPerTask()));
        if (slurm.partition() != null) {
            s.add("#SBATCH --partition=" + slurm.partition());
        }
        if (slurm.time() != null) {
            s.add("#SBATCH --time=" + slurm.time());
        }
        if (slurm.gpusPerTask() > 0) {
            s.add("#SBATCH --gpus-per-task=" + slurm.gpusPerTask());
        }
        if (slurm.gres() != null) {
            s.add("#SBATCH --gres=" + slurm.gres());
        }
        if (slurm.mem() != null) {
            s.add("#SBATCH --mem=" + slurm.mem());
        }
        s.addAll(slurm.extra());
        s.add("set -euo pipefail");
        s.add("cd " + shell(root.toString()));
        s.add("# Line SLURM_ARRAY_TASK_ID+1 of points.txt: id TAB config TAB run directory.");
        s.add("id=\"$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" " + SweepDirectory.POINTS + " | cut -f1)\"");
        s.add("[[ -n \"$id\" ]] || { echo \"no point for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 2; }");
        s.add("export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"");
        s.add("echo \"grokscope: array task $SLURM_ARRAY_TASK_ID -> point $id on $(hostname)\"");
        List<String> cmd = JavaLauncher.command(List.of(), List.of("sweep", root.toString(), "--point"));
        StringBuilder line = new StringBuilder("exec");
        cmd.forEach(c -> line.append(' ').append(shell(c)));
        line.append(" \"$id\"");
        s.add(line.toString());
        Path script = dir.file(SweepDirectory.SBATCH);
        AtomicFiles.writeString(script, String.join("\n", s) + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(root.resolve(SweepDirectory.SLURM_LOGS));
        return script;
    }

    /** Submits sbatch.sh with {@code sbatch --parsable}; records and returns the job id. */
    public String submit(List<String> ids) throws IOException, InterruptedException {
        refuseIfActive();
        Process p = new ProcessBuilder("sbatch", "--parsable", dir.file(SweepDirectory.SBATCH).toString())
                .directory(dir.root().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IOException("sbatch failed: " + out);
        }
        String last = out.lines().reduce((a, b) -> b).orElse("");
        String job = last.split(";")[0].strip();
        if (!job.matches("\\d+")) {
            throw new IOException("sbatch --parsable printed no job id: " + out);
        }
        ArrayNode jobs = jobs();
        ObjectNode j = jobs.addObject();
        j.put("job_id", job);
        j.put("submitted", Instant.now().toString());
        j.put("array", array(indices(ids), 0));
        ArrayNode pts = j.putArray("points");
        ids.forEach(pts::add);
        Json.write(dir.file(SweepDirectory.JOBS), jobs);
        return job;
    }

    /** Polls squeue every few seconds until none of the job's tasks is queued or running. */
    public void await(String job) throws IOException, InterruptedException {
        long pause = 500;
        while (active(job)) {
            TimeUnit.MILLISECONDS.sleep(pause);
            pause = Math.min(pause * 2, 5000);
        }
    }

    private List<Integer> indices(List<String> ids) {
        List<String> all = dir.readPlan().ids();
        return ids.stream().map(all::indexOf).toList();
    }

    private void refuseIfActive() throws IOException, InterruptedException {
        for (JsonNode j : jobs()) {
            String id = j.path("job_id").asText();
            if (active(id)) {
                throw new BadInputException(dir.root() + ": SLURM job " + id + " of this sweep is still queued or "
                        + "running; wait for it (squeue -j " + id + ") or scancel it, then submit again");
            }
        }
    }

    private ArrayNode jobs() throws IOException {
        Path f = dir.file(SweepDirectory.JOBS);
        if (Files.isRegularFile(f)) {
            JsonNode n = Json.mapper().readTree(f.toFile());
            if (n.isArray()) {
                return (ArrayNode) n;
            }
        }
        return JsonNodeFactory.instance.arrayNode();
    }

    /** True while squeue lists any task of the job. */
    static boolean active(String job) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("squeue", "-h", "-j", job, "-o", "%i %T").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int code = p.waitFor();
        if (code != 0) {
            // squeue fails with "Invalid job id specified" once the job has left the controller's memory.
            if (out.contains("Invalid job id")) {
                return false;
            }
            throw new IOException("squeue -j " + job + " failed: " + out);
        }
        return !out.isEmpty();
    }

    /** Quotes for bash. */
    static String shell(String s) {
        return s.matches("[A-Za-z0-9_./:=,+%@-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** #SBATCH lines are not parsed by a shell: paths with spaces cannot be written there. */
    private static String quoteSbatch(String path) {
        if (path.matches(".*\\s.*")) {
            throw new BadInputException(path + ": SLURM cannot take a path with spaces in #SBATCH lines; choose another --out");
        }
        return path;
    }
}
