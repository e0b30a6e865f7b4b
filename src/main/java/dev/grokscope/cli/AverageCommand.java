package dev.grokscope.cli;

import dev.grokscope.BadInputException;
import dev.grokscope.backend.Backend;
import dev.grokscope.config.Experiment;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.eval.HeldOut;
import dev.grokscope.eval.Scores;
import dev.grokscope.state.StateEvaluator;
import dev.grokscope.intervene.Average;
import dev.grokscope.results.Npy;
import dev.grokscope.state.State;
import dev.grokscope.state.StateFile;
import dev.grokscope.state.StateRef;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code grokscope average STATE... [--greedy] [--out FILE]}: the uniform average of states (SWA along a
 * trajectory with a window {@code RUN@E1..E2}; a uniform soup across runs) or Wortsman et al.'s greedy
 * soup, compared with each ingredient. Everything is evaluated on the first ingredient's split.
 *
 * <p>The greedy soup chooses on a held-out set that is not the validation set it is judged on: the
 * validation pairs are cut in two ({@link HeldOut}): {@code select_accuracy} (first half) chooses,
 * {@code test_accuracy} (second half) judges; {@code val_*} are on all validation pairs, as metrics.csv.
 */
@Command(name = "average", mixinStandardHelpOptions = true,
        description = "Uniform average (SWA, uniform soup) or greedy soup (Wortsman et al. 2022) of states, compared"
                + " with each ingredient.",
        footer = {"", "STATE: RUN_DIR, RUN_DIR@EPOCH, RUN_DIR@last, RUN_DIR@E1..E2 (every saved state in the window),",
            "or a state file. All states must have the same architecture; all are evaluated on the first one's split.",
            "--greedy chooses on the first half of the validation pairs (select_accuracy) and is judged on the",
            "second half (test_accuracy). --out FILE writes the average (or soup) as a state file that eval,",
            "lowrank, interpolate and analyze accept. Prints CSV (or --json)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "2:bad input (fewer than 2 states, missing epoch, different architectures, corrupt"
                + " state, output exists); nothing written"})
public final class AverageCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "STATE")
    List<String> refs = new ArrayList<>();

    @Option(names = "--greedy", description = "greedy soup instead of the uniform average")
    boolean greedy;

    @Option(names = "--out", paramLabel = "FILE", description = "write the average as a state file (.zip)")
    Path out;

    @Mixin
    ForceOption force;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<StateRef> all = new ArrayList<>();
        refs.forEach(r -> all.addAll(StateRef.parse(r)));
        if (all.size() < 2) {
            throw new BadInputException(String.join(" ", refs) + ": an average needs at least 2 states, got " + all.size());
        }
        if (out != null) {
            OutputFiles.check(out, force.on);
        }
        List<State> states = new ArrayList<>();
        for (StateRef r : all) {
            State s = r.read();
            if (!states.isEmpty()) {
                State.requireSameArchitecture(all.get(0).label(), states.get(0), r.label(), s);
            }
            states.add(s);
        }
        Experiment first = states.get(0).experiment(all.get(0).label());
        for (int i = 1; i < states.size(); i++) {
            Experiment e = states.get(i).experiment(all.get(i).label());
            if (!e.model().equals(first.model())) {
                throw new BadInputException(all.get(i).label() + ": different model from " + all.get(0).label()
                        + " (model section of the configs differs)");
            }
            if (!e.sameDataAs(first)) {
                System.err.println("grokscope: note: " + all.get(i).label() + " has another data split than "
                        + all.get(0).label() + "; everything is evaluated on the first one's split");
            }
        }

        Backend.start();
        StateEvaluator ev = new StateEvaluator();
        ev.use(states.get(0), all.get(0).label());
        HeldOut held = greedy ? new HeldOut(ev.network(), ev.split()) : null;
        List<String> columns = new ArrayList<>(List.of("state", "epoch", "train_loss", "train_accuracy", "val_loss",
                "val_accuracy", "weight_norm"));
        if (greedy) {
            columns.addAll(List.of("select_accuracy", "test_accuracy", "in_soup"));
        }
        Tables.Table t = new Tables.Table(columns);
        State base = states.get(0);
        String source = all.get(0).label();
        List<Map<String, Npy.Array>> params = states.stream().map(State::params).toList();

        Map<String, Npy.Array> result;
        List<Integer> kept;
        Map<String, Object> extra = new LinkedHashMap<>();
        if (greedy) {
            Average.Soup soup = Average.greedy(params, p -> {
                ev.assign(base, p, source);
                return held.select().accuracy();
            });
            result = soup.soup();
            kept = soup.kept();
            extra.put("method", "greedy soup (Wortsman et al. 2022): ingredients by descending select_accuracy, each kept"
                    + " only if the soup's select_accuracy strictly improves");
            extra.put("held_out", "select = first " + held.selectSize() + " of the validation pairs (split order), test = the"
                    + " other " + held.testSize() + "; val_* = all validation pairs");
            extra.put("tried_in_order", soup.order().stream().map(i -> all.get(i).label()).toList());
        } else {
            result = Average.uniform(params);
            kept = java.util.stream.IntStream.range(0, states.size()).boxed().toList();
            extra.put("method", "uniform average (1/n) sum_i theta_i");
        }
        extra.put("evaluated_on", "the split of " + source);
        extra.put("kept", kept.stream().map(i -> all.get(i).label()).toList());
        for (int i = 0; i < states.size(); i++) {
            Scores s = ev.evaluate(base, states.get(i).params(), source);
            row(t, all.get(i).label(), states.get(i).epoch(), s, held, kept.contains(i));
        }
        Scores avg = ev.evaluate(base, result, source);
        String name = greedy ? "greedy_soup" : "uniform_average";
        row(t, name, -1, avg, held, true);

        if (out != null) {
            State derived = states.get(states.size() - 1).derived(result, name + " of " + extra.get("kept"));
            DataType dtype = first.training().dtype() == TrainingSpec.DType.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
            OutputFiles.clear(out);
            StateFile.write(out, derived, dtype);
            System.err.println("grokscope: average: wrote " + out);
        }
        PrintWriter pw = spec.commandLine().getOut();
        pw.print(json.on ? t.json(extra) + "\n" : t.csv());
        pw.flush();
        return 0;
    }

    private static void row(Tables.Table t, String label, int epoch, Scores s, HeldOut held, boolean inSoup) {
        if (held == null) {
            t.add(label, epoch < 0 ? "" : epoch, s.trainLoss(), s.trainAccuracy(), s.valLoss(), s.valAccuracy(), s.weightNorm());
        } else {
            t.add(label, epoch < 0 ? "" : epoch, s.trainLoss(), s.trainAccuracy(), s.valLoss(), s.valAccuracy(), s.weightNorm(),
                    held.select().accuracy(), held.test().accuracy(), inSoup);
        }
    }
}
