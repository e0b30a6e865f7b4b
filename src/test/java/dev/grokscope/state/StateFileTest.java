package dev.grokscope.state;

import dev.grokscope.BadInputException;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.results.Checkpoint;
import dev.grokscope.results.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateFileTest {
    @TempDir
    Path tmp;

    private static final String CONFIG = ConfigLoader.toYaml(ConfigLoader.parse("data: {p: 5}", "test", List.of()));

    private static Map<String, INDArray> params() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("layers.0.W", Nd4j.create(new float[] {1.5f, -2.25f, 1e-7f, 3f, 0.1f, 7f}, new long[] {2, 3}, 'c'));
        p.put("layers.0.b", Nd4j.create(new float[] {0.5f, 0.25f, -1f}, new long[] {1, 3}, 'c'));
        return p;
    }

    private Path write(Path file, int epoch, boolean optimizer) throws Exception {
        Map<String, INDArray> opt = optimizer ? Map.of("updater", Nd4j.create(new float[] {9, 8, 7}, new long[] {1, 3}, 'c'))
                : Map.of();
        StateFile.write(file, epoch, 40L + epoch, 3, CONFIG, Map.of("name", "t"), params(), List.of("layers.0.W"), opt);
        return file;
    }

    @Test
    void roundTripsEveryArrayExactly() throws Exception {
        State s = StateFile.read(write(tmp.resolve("s.zip"), 12, true));
        assertEquals(12, s.epoch());
        assertEquals(52, s.steps());
        assertEquals(3, s.seed());
        assertEquals(CONFIG, s.config());
        assertEquals(List.of("layers.0.W"), s.matrices());
        assertEquals(List.of("layers.0.W", "layers.0.b"), List.copyOf(s.params().keySet()));
        assertArrayEquals(new int[] {2, 3}, s.params().get("layers.0.W").shape());
        assertArrayEquals(new double[] {1.5f, -2.25f, 1e-7f, 3f, 0.1f, 7f}, s.params().get("layers.0.W").data(), 0.0);
        assertTrue(s.hasOptimizer());
        assertEquals("t", s.provenance().get("name"));
        assertEquals(5, s.experiment("s").data().p());
        assertEquals(12, StateFile.epochOf(tmp.resolve("s.zip")));
    }

    @Test
    void derivedStatesWrittenInFloat32ReadBackAsFloat32Values() throws Exception {
        State s = StateFile.read(write(tmp.resolve("s.zip"), 1, true));
        Map<String, dev.grokscope.results.Npy.Array> p = new LinkedHashMap<>(s.params());
        p.put("layers.0.b", new dev.grokscope.results.Npy.Array(new int[] {1, 3}, new double[] {0.1, 0.2, 0.3}));
        State d = s.derived(p, "test edit");
        assertFalse(d.hasOptimizer());
        StateFile.write(tmp.resolve("d.zip"), d, DataType.FLOAT);
        State back = StateFile.read(tmp.resolve("d.zip"));
        assertArrayEquals(new double[] {0.1f, 0.2f, 0.3f}, back.params().get("layers.0.b").data(), 0.0);
        assertEquals("test edit", back.provenance().get("derived"));
    }

    @Test
    void truncatedOrCorruptFilesAreBadInput() throws Exception {
        Path f = write(tmp.resolve("s.zip"), 1, true);
        byte[] whole = Files.readAllBytes(f);
        for (int cut : new int[] {whole.length / 2, whole.length - 30, 100}) {
            Path t = tmp.resolve("cut" + cut + ".zip");
            Files.write(t, java.util.Arrays.copyOf(whole, cut));
            BadInputException e = assertThrows(BadInputException.class, () -> StateFile.read(t));
            assertTrue(e.getMessage().startsWith(t.toString()), e.getMessage());
        }
        byte[] flipped = whole.clone();
        flipped[60] ^= 0x55; // inside the first entry's data: its CRC no longer matches
        Path c = Files.write(tmp.resolve("flip.zip"), flipped);
        assertThrows(BadInputException.class, () -> StateFile.read(c));
    }

    private Path run() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve(RunDirectory.CONFIG), CONFIG);
        for (int e : new int[] {0, 10, 20}) {
            write(RunStates.trajectoryFile(run, e), e, false);
        }
        write(Checkpoint.file(run, 24), 24, true);
        write(RunStates.finalFile(run), 30, true);
        write(RunStates.trajectoryFile(run, 30), 30, false);
        return run;
    }

    @Test
    void runStatesListEveryEpochAndPreferTheFinalState() throws Exception {
        Path run = run();
        RunStates rs = RunStates.open(run);
        assertEquals(List.of(0, 10, 20, 24, 30), List.copyOf(rs.epochs().keySet()));
        assertEquals(RunStates.finalFile(run), rs.at(30));
        assertEquals(Checkpoint.file(run, 24), rs.at(24));
        assertEquals(30, rs.finalEpoch());
        assertEquals(List.of(10, 20, 24), List.copyOf(rs.window(5, 25).keySet()));
        BadInputException e = assertThrows(BadInputException.class, () -> rs.at(12));
        assertEquals(run + "@12: no state saved at epoch 12; nearest saved epochs: 10, 20", e.getMessage());
        assertTrue(assertThrows(BadInputException.class, () -> rs.at(99)).getMessage().endsWith("nearest saved epochs: 30"));
    }

    @Test
    void referencesResolveToFiles() throws Exception {
        Path run = run();
        assertEquals(RunStates.finalFile(run), StateRef.one(run.toString()).file());
        assertEquals(30, StateRef.one(run + "@last").epoch());
        assertEquals(RunStates.trajectoryFile(run, 10), StateRef.one(run + "@10").file());
        assertEquals(List.of(0, 10, 20), StateRef.parse(run + "@0..20").stream().map(StateRef::epoch).toList());
        Path file = RunStates.trajectoryFile(run, 20);
        StateRef f = StateRef.one(file.toString());
        assertNull(f.run());
        assertEquals(20, f.read().epoch());
        assertThrows(BadInputException.class, () -> StateRef.one(run + "@0..20"));
        assertThrows(BadInputException.class, () -> StateRef.parse(run + "@20..10"));
        assertThrows(BadInputException.class, () -> StateRef.parse(tmp.resolve("nope") + "@3"));
        Files.writeString(tmp.resolve("text.zip"), "not a zip");
        assertThrows(BadInputException.class, () -> StateRef.parse(tmp.resolve("text.zip").toString()));
    }

    /** A checkpoint as version 1 wrote it (no config.yaml, no matrix list) still loads through its run. */
    @Test
    void formatOneCheckpointsStillLoadThroughTheirRun() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(run.resolve(RunDirectory.CONFIG), CONFIG);
        Path ck = Checkpoint.file(run, 6);
        Files.createDirectories(ck.getParent());
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(ck))) {
            for (Map.Entry<String, INDArray> e : params().entrySet()) {
                z.putNextEntry(new java.util.zip.ZipEntry("params/" + e.getKey() + ".npy"));
                z.write(dev.grokscope.results.Npy.encode(e.getValue()));
                z.closeEntry();
            }
            z.putNextEntry(new java.util.zip.ZipEntry("optimizer/updater.npy"));
            z.write(dev.grokscope.results.Npy.encode(Nd4j.create(new float[] {1, 2}, new long[] {1, 2}, 'c')));
            z.closeEntry();
            z.putNextEntry(new java.util.zip.ZipEntry("state.json"));
            z.write(("{\"format\":1,\"epoch\":6,\"steps\":6,\"seed\":3,\"params\":[\"layers.0.W\",\"layers.0.b\"],"
                    + "\"optimizer\":[\"updater\"]}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            z.closeEntry();
        }
        State raw = StateFile.read(ck);
        assertNull(raw.config());
        assertEquals(List.of("layers.0.W"), raw.matrices(), "matrices: the 2-D parameters not named *.b");
        assertThrows(BadInputException.class, () -> raw.experiment("old"));
        State viaRun = StateRef.one(run + "@6").read();
        assertEquals(CONFIG, viaRun.config());
        assertEquals(6, viaRun.epoch());
        assertTrue(viaRun.hasOptimizer());
    }
}
