package dev.grokscope.cli;

import dev.grokscope.backend.Backend;
import dev.grokscope.eval.Scores;
import dev.grokscope.state.StateEvaluator;
import dev.grokscope.state.State;
import dev.grokscope.state.StateRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code grokscope eval STATE...}: training and validation loss and accuracy and the weight norm of
 * saved states, computed by the same evaluator as training, so {@code grokscope eval RUN} prints the
 * numbers of the run's last metrics.csv row.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Train/validation loss and accuracy and weight norm of saved states (the evaluator training uses).",
        footer = {"", "STATE: RUN_DIR (its final state), RUN_DIR@EPOCH, RUN_DIR@last, RUN_DIR@E1..E2 (every state saved",
            "in the window), or a state file (.zip). Output: CSV on stdout, or JSON with --json."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:evaluated", "2:a STATE is missing, corrupt, or names an epoch with no saved state"})
public final class EvalCommand implements Callable<Integer> {
    static final List<String> COLUMNS = List.of("state", "epoch", "step", "train_loss", "train_accuracy", "val_loss",
            "val_accuracy", "weight_norm");

    @Parameters(arity = "1..*", paramLabel = "STATE", description = "states to evaluate")
    List<String> refs = new ArrayList<>();

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<StateRef> all = new ArrayList<>();
        refs.forEach(r -> all.addAll(StateRef.parse(r)));
        Backend.start();
        StateEvaluator ev = new StateEvaluator();
        Tables.Table t = new Tables.Table(COLUMNS);
        for (int i = 0; i < all.size(); i++) {
            State s = all.get(i).read(); // a bad state stops the command before anything is printed
            Scores sc = ev.evaluate(s, all.get(i).label());
            t.add(all.get(i).label(), s.epoch(), s.steps(), sc.trainLoss(), sc.trainAccuracy(), sc.valLoss(),
                    sc.valAccuracy(), sc.weightNorm());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json.on ? t.json(Map.of()) + "\n" : t.csv());
        out.flush();
        return 0;
    }
}
