package dev.grokscope.state;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.BadInputException;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.results.Json;
import dev.grokscope.results.Npy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The state file: a zip holding {@code state.json} (format, epoch, steps, seed, the names of the
 * parameters, matrices and optimiser arrays, provenance), {@code config.yaml} (the resolved config),
 * every parameter as {@code params/<name>.npy} and the optimiser state as {@code optimizer/<name>.npy}
 * (absent in weights-only states). Arrays keep the dtype they were given (float32 as trained, or
 * float64). numpy reads the arrays as they are ({@code np.load(zipfile.ZipFile(f).open(...))}).
 *
 * <p>Written to a temporary file and renamed, so a state file is whole or absent; read back completely
 * (zip CRCs checked) before anything uses it. Format 1 (checkpoints of earlier versions: no config,
 * no matrix list) is still read, so that their runs can be resumed.
 */
public final class StateFile {
    /** The current format; 1 lacked {@code config.yaml} and the matrix list. */
    public static final int FORMAT = 2;
    static final String STATE = "state.json";
    static final String CONFIG = "config.yaml";
    private static final String PARAMS = "params/";
    private static final String OPTIMIZER = "optimizer/";

    private StateFile() {
    }

    /**
     * Writes a live network's state: {@code params} and, when non-empty, {@code optimizer}, in their own
     * dtypes.
     */
    public static void write(Path target, int epoch, long steps, long seed, String config, Map<String, Object> provenance,
                             Map<String, INDArray> params, List<String> matrices, Map<String, INDArray> optimizer)
            throws IOException {
        Map<String, byte[]> p = new LinkedHashMap<>();
        params.forEach((k, v) -> p.put(k, Npy.encode(v)));
        Map<String, byte[]> o = new LinkedHashMap<>();
        optimizer.forEach((k, v) -> o.put(k, Npy.encode(v)));
        writeEncoded(target, epoch, steps, seed, config, provenance, p, matrices, o);
    }

    /**
     * Writes a state held as arrays (an edited one), its arrays in {@code dtype}: float32 for a network
     * trained in float32, so that loading it evaluates exactly what was saved.
     */
    public static void write(Path target, State s, org.nd4j.linalg.api.buffer.DataType dtype) throws IOException {
        Map<String, byte[]> p = new LinkedHashMap<>();
        s.params().forEach((k, v) -> p.put(k, encode(v, dtype)));
        Map<String, byte[]> o = new LinkedHashMap<>();
        s.optimizer().forEach((k, v) -> o.put(k, encode(v, dtype)));
        writeEncoded(target, s.epoch(), s.steps(), s.seed(), s.config(), s.provenance(), p, s.matrices(), o);
    }

    private static byte[] encode(Npy.Array a, org.nd4j.linalg.api.buffer.DataType dtype) {
        long[] shape = java.util.Arrays.stream(a.shape()).asLongStream().toArray();
        INDArray arr = Nd4j.create(a.data(), shape, 'c');
        INDArray typed = dtype == arr.dataType() ? arr : arr.castTo(dtype);
        try {
            return Npy.encode(typed);
        } finally {
            typed.close();
            if (typed != arr) {
                arr.close();
            }
        }
    }

    private static void writeEncoded(Path target, int epoch, long steps, long seed, String config,
                                     Map<String, Object> provenance, Map<String, byte[]> params, List<String> matrices, Map<String, byte[]> optimizer)
            throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("format", FORMAT);
        state.put("epoch", epoch);
        state.put("steps", steps);
        state.put("seed", seed);
        state.put("params", new ArrayList<>(params.keySet()));
        state.put("matrices", matrices);
        state.put("optimizer", new ArrayList<>(optimizer.keySet()));
        state.put("provenance", provenance);
        AtomicFiles.write(target, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, byte[]> e : params.entrySet()) {
                put(zip, PARAMS + e.getKey() + ".npy", e.getValue());
            }
            for (Map.Entry<String, byte[]> e : optimizer.entrySet()) {
                put(zip, OPTIMIZER + e.getKey() + ".npy", e.getValue());
            }
            if (config != null) {
                put(zip, CONFIG, config.getBytes(StandardCharsets.UTF_8));
            }
            put(zip, STATE, Json.write(state).getBytes(StandardCharsets.UTF_8)); // last: its presence means whole
            zip.finish();
        });
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content);
        zip.closeEntry();
    }

    /** Whether {@code file} is a zip holding a {@code state.json} entry (cheap: reads the central directory). */
    public static boolean looksLikeState(Path file) {
        try (ZipFile z = new ZipFile(file.toFile())) {
            return z.getEntry(STATE) != null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The epoch recorded in a state file's {@code state.json}, read without the arrays (for listing a
     * run's states).
     *
     * @throws BadInputException naming the file when it is not a readable state file
     */
    public static int epochOf(Path file) {
        try (ZipFile z = new ZipFile(file.toFile())) {
            ZipEntry e = z.getEntry(STATE);
            if (e == null) {
                throw new BadInputException(file + ": not a grokscope state file, or an incomplete one (no " + STATE + ")");
            }
            try (InputStream in = z.getInputStream(e)) {
                return Json.mapper().readTree(in.readAllBytes()).path("epoch").asInt(-1);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException b) {
                throw b;
            }
            throw new BadInputException(file + ": unreadable or corrupt state file (" + e.getMessage() + ")");
        }
    }

    /**
     * Reads and verifies a state file completely.
     *
     * @throws BadInputException naming the file when it is unreadable, truncated, corrupt or incomplete
     */
    public static State read(Path file) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                entries.put(e.getName(), zip.readAllBytes()); // checks the CRC at the entry's end
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BadInputException(file + ": unreadable or corrupt state file (" + e.getMessage() + ")");
        }
        if (!entries.containsKey(STATE)) {
            throw new BadInputException(file + ": truncated or incomplete state file (no " + STATE + ")");
        }
        try (ZipFile z = new ZipFile(file.toFile())) { // the central directory too: a file cut at its end is truncated
            if (z.size() != entries.size()) {
                throw new BadInputException(file + ": corrupt state file (" + z.size() + " entries in the directory, "
                        + entries.size() + " in the file)");
            }
        } catch (IOException e) {
            throw new BadInputException(file + ": truncated or corrupt state file (" + e.getMessage() + ")");
        }
        try {
            JsonNode state = Json.mapper().readTree(entries.get(STATE));
            int format = state.path("format").asInt();
            if (format != 1 && format != FORMAT) {
                throw new BadInputException(file + ": state format " + state.path("format") + ", expected 1 or " + FORMAT);
            }
            Map<String, Npy.Array> params = arrays(file, entries, state.path("params"), PARAMS);
            Map<String, Npy.Array> opt = arrays(file, entries, state.path("optimizer"), OPTIMIZER);
            List<String> matrices = new ArrayList<>();
            if (format == 1) {
                params.forEach((k, v) -> {
                    if (v.shape().length == 2 && !k.endsWith(".b")) {
                        matrices.add(k); // format 1 kept no list: its MLP biases are [1, n], named *.b
                    }
                });
            } else {
                state.path("matrices").forEach(n -> matrices.add(n.asText()));
                if (!params.keySet().containsAll(matrices)) {
                    throw new BadInputException(file + ": state lists matrices " + matrices + " that are not parameters");
                }
            }
            byte[] config = entries.get(CONFIG);
            if (format == FORMAT && config == null) {
                throw new BadInputException(file + ": incomplete state file (no " + CONFIG + ")");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> prov = state.has("provenance")
                    ? Json.mapper().convertValue(state.get("provenance"), LinkedHashMap.class) : Map.of();
            return new State(state.path("epoch").asInt(), state.path("steps").asLong(), state.path("seed").asLong(),
                    config == null ? null : new String(config, StandardCharsets.UTF_8), prov, params, matrices, opt);
        } catch (IOException e) {
            throw new BadInputException(file + ": corrupt state (" + e.getMessage() + ")");
        }
    }

    private static Map<String, Npy.Array> arrays(Path file, Map<String, byte[]> entries, JsonNode names, String prefix) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        for (JsonNode n : names) {
            String entry = prefix + n.asText() + ".npy";
            byte[] b = entries.get(entry);
            if (b == null) {
                throw new BadInputException(file + ": incomplete state file (no " + entry + ")");
            }
            out.put(n.asText(), Npy.decode(b, file + "!" + entry));
        }
        return out;
    }
}
