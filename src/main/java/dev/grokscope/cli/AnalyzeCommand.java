package dev.grokscope.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.grokscope.spectra.SingularValues;
import dev.grokscope.spectra.SpectralMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code grokscope analyze PATH... [--json]}: the spectra and metrics of weight matrices, like
 * WeightWatcher's {@code analyze()}.
 *
 * <p>PATHs are read by {@link MatrixSources} (.npy, .npz, .safetensors, run directory, state, DL4J zip,
 * SameDiff file). All are
 * read and validated before anything is printed; a broken rule is a
 * {@link dev.grokscope.BadInputException} naming the file and the rule (the CLI's main turns it into
 * one line and exit code 2). Matrix names must be unique across PATHs; a name seen twice is prefixed
 * with its source file.
 *
 * <p>Output: a table with one row per matrix, or with {@code --json} one JSON object
 * {@code {"matrices": {name: {"shape": [m, n], <metric>: value, ..., "singular_values": [...]}}}} whose
 * metric keys are those of {@link SpectralMetrics#toMap()} (the names of golden.json).
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Singular values, WeightWatcher and Yunis et al. metrics of weight matrices.")
public final class AnalyzeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH",
            description = ".npy matrix, .npz archive, .safetensors file, run directory (weights/final/*.npy), state "
                    + "(RUN@EPOCH, RUN@last, RUN@E1..E2, state .zip), DL4J model zip or SameDiff file")
    List<String> paths = new ArrayList<>();

    @Option(names = "--json", description = "print one JSON object instead of a table")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws JsonProcessingException {
        List<NamedMatrix> matrices = new ArrayList<>();
        for (String p : paths) {
            matrices.addAll(MatrixSources.read(p));
        }
        Map<String, Integer> seen = new HashMap<>();
        matrices.forEach(m -> seen.merge(m.name(), 1, Integer::sum));
        LinkedHashMap<String, Map<String, Object>> results = new LinkedHashMap<>();
        for (NamedMatrix m : matrices) {
            String name = seen.get(m.name()) > 1 ? m.source() + ":" + m.name() : m.name();
            double[] s = SingularValues.of(m.values());
            LinkedHashMap<String, Object> row = new LinkedHashMap<>();
            row.put("shape", List.of(m.rows(), m.cols()));
            row.putAll(SpectralMetrics.of(s, m.rows(), m.cols()).toMap());
            row.put("singular_values", s);
            results.put(name, row);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            out.println(mapper.writeValueAsString(Map.of("matrices", results)));
        } else {
            printTable(out, results);
        }
        out.flush();
        return 0;
    }

    private static final String[][] COLUMNS = {
        {"shape", "%-10s"}, {"alpha", "%7s"}, {"D", "%6s"}, {"xmin", "%10s"}, {"num_pl_spikes", "%6s"},
        {"alpha_weighted", "%8s"}, {"log_norm", "%8s"}, {"log_spectral_norm", "%8s"}, {"stable_rank", "%8s"},
        {"entropy", "%7s"}, {"effective_rank_normalized", "%7s"}, {"matrix_rank", "%5s"}, {"warning", "%-13s"}};
    private static final String[] HEADERS = {"shape", "alpha", "D", "xmin", "spikes", "alpha_w", "log_norm",
        "log_spec", "stab_rk", "entropy", "eff_rk", "rank", "warning"};

    private static void printTable(PrintWriter out, Map<String, Map<String, Object>> results) {
        int width = Math.max(6, results.keySet().stream().mapToInt(String::length).max().orElse(6));
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", "matrix"));
        for (int c = 0; c < COLUMNS.length; c++) {
            header.append("  ").append(String.format(Locale.ROOT, COLUMNS[c][1], HEADERS[c]));
        }
        out.println(header.toString().stripTrailing());
        for (Map.Entry<String, Map<String, Object>> e : results.entrySet()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", e.getKey()));
            for (String[] col : COLUMNS) {
                line.append("  ").append(String.format(Locale.ROOT, col[1], cell(e.getValue(), col[0])));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String cell(Map<String, Object> row, String key) {
        Object v = row.get(key);
        if (key.equals("shape")) {
            List<?> shape = (List<?>) v;
            return shape.get(0) + "x" + shape.get(1);
        }
        if (key.equals("warning") && v == null) {
            return "fit:" + row.get("fit");
        }
        if (v == null) {
            return "-";
        }
        if (v instanceof Double d) {
            double a = Math.abs(d);
            return a != 0 && (a >= 1e5 || a < 1e-3) ? String.format(Locale.ROOT, "%.3g", d)
                    : String.format(Locale.ROOT, "%.3f", d);
        }
        return String.valueOf(v);
    }
}
