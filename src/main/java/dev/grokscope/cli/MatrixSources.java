package dev.grokscope.cli;

import dev.grokscope.BadInputException;
import dev.grokscope.results.Npy;
import dev.grokscope.results.Npz;
import dev.grokscope.results.SafeTensors;
import dev.grokscope.state.RunStates;
import dev.grokscope.state.State;
import dev.grokscope.state.StateFile;
import dev.grokscope.state.StateRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads the weight matrices behind a command-line PATH, validating every one.
 *
 * <p>A PATH is: an {@code .npy} matrix (named by its file name without .npy); a run directory (every
 * {@code weights/final/*.npy}, named likewise, e.g. {@code layers.0.W}; 1-D arrays such as biases are
 * skipped there; a run without them: its final state); a state reference ({@code RUN@EPOCH},
 * {@code RUN@last}, {@code RUN@E1..E2}) or state file (its weight matrices, named as in the run); an
 * {@code .npz} archive (every 2-D array, by entry name; others skipped); a {@code .safetensors} file
 * (every 2-D floating-point tensor, by name; see {@link SafeTensors}); a DL4J model zip (MultiLayerNetwork params as {@code layers.<i>.<param>},
 * ComputationGraph params as {@code <vertex>.<param>}; biases and other 1-D params skipped); or any
 * other file, read as a SameDiff model ({@code SameDiff.load(file, false)}: every 2-D trainable variable
 * by its name). Every rule broken is a {@link BadInputException} naming the file and the rule.
 */
final class MatrixSources {
    private MatrixSources() {
    }

    /** All matrices behind {@code path}, in a stable order (sorted file names, parameter order). */
    static List<NamedMatrix> read(String arg) {
        Path path = Path.of(arg);
        if (!Files.exists(path)) {
            if (arg.contains("@")) {
                List<NamedMatrix> out = new ArrayList<>();
                for (StateRef r : StateRef.parse(arg)) {
                    out.addAll(state(r.label(), r.read()));
                }
                return out;
            }
            throw new BadInputException(path + ": no such file or directory");
        }
        if (Files.isDirectory(path)) {
            if (!Files.isDirectory(path.resolve("weights").resolve("final")) && Files.isRegularFile(RunStates.finalFile(path))) {
                return state(arg, StateRef.one(arg).read());
            }
            return runDirectory(path);
        }
        String name = path.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".npy")) {
            return List.of(npy(path, stripNpy(name), true));
        }
        if (lower.endsWith(".npz")) {
            return arrays(path.toString(), Npz.read(path));
        }
        if (lower.endsWith(".safetensors")) {
            return arrays(path.toString(), SafeTensors.read(path));
        }
        if (lower.endsWith(".zip") && StateFile.looksLikeState(path)) {
            return state(arg, StateFile.read(path));
        }
        if (lower.endsWith(".zip")) {
            return dl4jModel(path);
        }
        return sameDiff(path);
    }

    /** The weight matrices of a state, under their stable names. */
    private static List<NamedMatrix> state(String source, State s) {
        List<NamedMatrix> out = new ArrayList<>();
        for (String m : s.matrices()) {
            Npy.Array a = s.params().get(m);
            out.add(validated(source, m, a.matrix(), a.shape()[0], a.shape()[1]));
        }
        if (out.isEmpty()) {
            throw new BadInputException(source + ": state has no weight matrices");
        }
        return out;
    }

    /** The 2-D arrays of an archive (others, e.g. biases, skipped). */
    private static List<NamedMatrix> arrays(String source, java.util.Map<String, Npy.Array> arrays) {
        List<NamedMatrix> out = new ArrayList<>();
        arrays.forEach((name, a) -> {
            if (a.shape().length == 2) {
                out.add(validated(source, name, a.matrix(), a.shape()[0], a.shape()[1]));
            }
        });
        if (out.isEmpty()) {
            throw new BadInputException(source + ": no 2-D floating-point arrays to analyse");
        }
        return out;
    }

    private static List<NamedMatrix> runDirectory(Path dir) {
        Path weights = dir.resolve("weights").resolve("final");
        if (!Files.isDirectory(weights)) {
            throw new BadInputException(dir + ": not a run directory: no weights/final/ inside");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(weights)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".npy")).sorted().toList();
        } catch (IOException e) {
            throw new BadInputException(weights + ": cannot list: " + e.getMessage(), e);
        }
        List<NamedMatrix> out = new ArrayList<>();
        for (Path f : files) {
            NamedMatrix m = npy(f, stripNpy(f.getFileName().toString()), false);
            if (m != null) {
                out.add(m);
            }
        }
        if (out.isEmpty()) {
            throw new BadInputException(weights + ": no 2-D .npy matrices to analyse");
        }
        return out;
    }

    /** One .npy file; a 1-D array is an error if {@code required}, else skipped (null). */
    private static NamedMatrix npy(Path file, String name, boolean required) {
        Npy.Array a = Npy.read(file);
        int[] shape = a.shape();
        if (shape.length != 2) {
            if (!required && shape.length == 1) {
                return null;
            }
            throw new BadInputException(file + ": must hold a 2-D matrix, got shape " + Arrays.toString(shape));
        }
        return validated(file.toString(), name, a.matrix(), shape[0], shape[1]);
    }

    private static List<NamedMatrix> dl4jModel(Path zip) {
        Map<String, INDArray> params;
        boolean graph = false;
        try {
            params = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false).paramTable();
        } catch (Exception mlnFailure) { // a LinkageError (the native backend) is a runtime failure, not bad input
            try {
                ComputationGraph cg = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
                params = cg.paramTable();
                graph = true;
            } catch (Exception cgFailure) {
                throw new BadInputException(zip + ": not a DL4J MultiLayerNetwork or ComputationGraph zip: "
                        + oneLine(mlnFailure));
            }
        }
        List<NamedMatrix> out = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String key = e.getKey();
            int cut = key.lastIndexOf('_');
            String owner = cut < 0 ? key : key.substring(0, cut);
            String param = cut < 0 ? "" : key.substring(cut + 1);
            String name = (graph ? owner : "layers." + owner) + (param.isEmpty() ? "" : "." + param);
            INDArray arr = e.getValue();
            if (param.equals("b") || arr.rank() < 2 || (arr.rank() == 2 && arr.rows() == 1 && !param.equals("W"))) {
                continue; // biases and other vectors
            }
            out.add(fromNd4j(zip, name, arr));
        }
        if (out.isEmpty()) {
            throw new BadInputException(zip + ": model has no 2-D weight matrices");
        }
        return out;
    }

    private static List<NamedMatrix> sameDiff(Path file) {
        SameDiff sd;
        try {
            sd = SameDiff.load(file.toFile(), false);
        } catch (Exception e) {
            throw new BadInputException(file + ": not an .npy matrix, run directory, DL4J model zip or SameDiff"
                    + " file: " + oneLine(e));
        }
        if (sd == null) {
            throw new BadInputException(file + ": not a SameDiff file (load returned nothing)");
        }
        List<NamedMatrix> out = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() != VariableType.VARIABLE) {
                continue;
            }
            INDArray arr = v.getArr();
            if (arr != null && arr.rank() == 2) {
                out.add(fromNd4j(file, v.name(), arr));
            }
        }
        if (out.isEmpty()) {
            throw new BadInputException(file + ": SameDiff model has no 2-D variables");
        }
        return out;
    }

    private static NamedMatrix fromNd4j(Path file, String name, INDArray arr) {
        if (arr.rank() != 2) {
            throw new BadInputException(file + ": " + name + " must be a 2-D matrix, got shape "
                    + Arrays.toString(arr.shape()));
        }
        if (arr.rows() == 0 || arr.columns() == 0) {
            return validated(file.toString(), name, new double[0][0], arr.rows(), arr.columns());
        }
        if (!arr.dataType().isFPType()) {
            throw new BadInputException(file + ": " + name + " must be floating point, got " + arr.dataType());
        }
        return validated(file.toString(), name, arr.dup('c').castTo(DataType.DOUBLE).toDoubleMatrix(), arr.rows(),
                arr.columns());
    }

    private static NamedMatrix validated(String source, String name, double[][] m, int rows, int cols) {
        if (rows == 0 || cols == 0) {
            throw new BadInputException(source + ": " + name + " must be non-empty, got shape " + rows + "x" + cols);
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (!Double.isFinite(m[i][j])) {
                    throw new BadInputException(source + ": " + name + " must be finite, entry [" + i + "," + j
                            + "] is " + m[i][j]);
                }
            }
        }
        return new NamedMatrix(name, source, m);
    }

    private static String stripNpy(String fileName) {
        return fileName.substring(0, fileName.length() - ".npy".length());
    }

    private static String oneLine(Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return msg.replaceAll("\\s+", " ");
    }
}
