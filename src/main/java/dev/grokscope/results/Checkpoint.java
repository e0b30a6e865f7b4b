package dev.grokscope.results;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.BadInputException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A checkpoint: {@code checkpoints/epoch-<N>.zip} in the run directory, holding {@code state.json}
 * (epoch, step count, seed, format), every parameter as {@code params/<name>.npy} and the optimiser
 * state as {@code optimizer/<name>.npy}, in the network's dtype. Written to a temporary file and
 * renamed, so a checkpoint is whole or absent; read back completely (zip CRCs checked) before
 * anything in the run is touched.
 */
public final class Checkpoint {
    public static final String DIR = "checkpoints";
    static final int FORMAT = 1;
    private static final String STATE = "state.json";

    /** A checkpoint read back and verified. */
    public record Loaded(Path file, int epoch, long steps, long seed, Map<String, Npy.Array> params,
                         Map<String, Npy.Array> optimizer) {
        /** Assigns the saved arrays into the live ones, in place, after checking names and shapes. */
        public void restoreInto(Map<String, INDArray> liveParams, Map<String, INDArray> liveOptimizer) {
            assign(params, liveParams, "parameter");
            assign(optimizer, liveOptimizer, "optimizer state");
        }

        private void assign(Map<String, Npy.Array> saved, Map<String, INDArray> live, String what) {
            if (!saved.keySet().equals(live.keySet())) {
                throw new BadInputException(file + ": " + what + " names " + saved.keySet()
                        + " do not match the network's " + live.keySet());
            }
            for (Map.Entry<String, INDArray> e : live.entrySet()) {
                Npy.Array a = saved.get(e.getKey());
                long[] shape = Arrays.stream(a.shape()).asLongStream().toArray();
                if (!Arrays.equals(shape, e.getValue().shape())) {
                    throw new BadInputException(file + ": " + what + " " + e.getKey() + " has shape "
                            + Arrays.toString(shape) + ", the network has " + Arrays.toString(e.getValue().shape()));
                }
            }
            for (Map.Entry<String, INDArray> e : live.entrySet()) {
                Npy.Array a = saved.get(e.getKey());
                INDArray values = Nd4j.create(a.data(), e.getValue().shape(), 'c').castTo(e.getValue().dataType());
                e.getValue().assign(values);
            }
        }
    }

    private Checkpoint() {
    }

    /** The checkpoint file for an epoch in a run directory. */
    public static Path file(Path runDir, int epoch) {
        return runDir.resolve(DIR).resolve(String.format("epoch-%09d.zip", epoch));
    }

    /** Writes a checkpoint atomically and deletes all but the newest {@code keep}. */
    public static Path write(Path runDir, int epoch, long steps, long seed, Map<String, INDArray> params,
                             Map<String, INDArray> optimizer, int keep) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("format", FORMAT);
            state.put("epoch", epoch);
            state.put("steps", steps);
            state.put("seed", seed);
            state.put("params", new ArrayList<>(params.keySet()));
            state.put("optimizer", new ArrayList<>(optimizer.keySet()));
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                put(zip, "params/" + e.getKey() + ".npy", Npy.encode(e.getValue()));
            }
            for (Map.Entry<String, INDArray> e : optimizer.entrySet()) {
                put(zip, "optimizer/" + e.getKey() + ".npy", Npy.encode(e.getValue()));
            }
            put(zip, STATE, Json.write(state).getBytes(StandardCharsets.UTF_8));
        }
        Path target = file(runDir, epoch);
        AtomicFiles.write(target, bytes.toByteArray());
        List<Path> all = list(runDir);
        for (int i = 0; i < all.size() - keep; i++) {
            Files.deleteIfExists(all.get(i));
        }
        return target;
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content);
        zip.closeEntry();
    }

    /** Checkpoints of a run, oldest first. */
    public static List<Path> list(Path runDir) throws IOException {
        Path dir = runDir.resolve(DIR);
        List<Path> all = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "epoch-*.zip")) {
                s.forEach(all::add);
            }
        }
        all.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return all;
    }

    /**
     * Reads and verifies a checkpoint completely.
     *
     * @throws BadInputException naming the file when it is unreadable, truncated, corrupt or incomplete
     */
    public static Loaded read(Path file) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                entries.put(e.getName(), zip.readAllBytes()); // checks the CRC at the entry's end
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BadInputException(file + ": unreadable or corrupt checkpoint (" + e.getMessage() + ")");
        }
        if (!entries.containsKey(STATE)) {
            throw new BadInputException(file + ": truncated or incomplete checkpoint (no " + STATE + ")");
        }
        try {
            JsonNode state = Json.mapper().readTree(entries.get(STATE));
            if (state.path("format").asInt() != FORMAT) {
                throw new BadInputException(file + ": checkpoint format " + state.path("format") + ", expected " + FORMAT);
            }
            Map<String, Npy.Array> params = arrays(file, entries, state.path("params"), "params/");
            Map<String, Npy.Array> opt = arrays(file, entries, state.path("optimizer"), "optimizer/");
            return new Loaded(file, state.path("epoch").asInt(), state.path("steps").asLong(), state.path("seed").asLong(),
                    params, opt);
        } catch (IOException e) {
            throw new BadInputException(file + ": corrupt checkpoint state (" + e.getMessage() + ")");
        }
    }

    private static Map<String, Npy.Array> arrays(Path file, Map<String, byte[]> entries, JsonNode names, String prefix) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        for (JsonNode n : names) {
            String entry = prefix + n.asText() + ".npy";
            byte[] b = entries.get(entry);
            if (b == null) {
                throw new BadInputException(file + ": incomplete checkpoint (no " + entry + ")");
            }
            out.put(n.asText(), Npy.decode(b, file + "!" + entry));
        }
        return out;
    }
}
