package dev.grokscope.cli;

import dev.grokscope.BadInputException;
import dev.grokscope.results.Provenance;
import dev.grokscope.run.RunFailedException;
import dev.grokscope.sweep.ParentWatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code grokscope} command: parses and delegates to its subcommands. */
@Command(name = "grokscope", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Grokking experiments on Deeplearning4j, instrumented with the spectra of the weights.",
        subcommands = {RunCommand.class, SweepCommand.class, AnalyzeCommand.class, ReportCommand.class, DoctorCommand.class,
                EvalCommand.class, LowrankCommand.class, InterpolateCommand.class, AverageCommand.class, LmcCommand.class,
                WarnCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for input that breaks a rule (config, file, argument). */
    public static final int BAD_INPUT = 2;
    /** Exit code for a run that failed at run time. */
    public static final int FAILED = 1;

    public static void main(String[] args) {
        ParentWatch.startIfRequested();
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (no {@code System.exit}: tests call this). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::onException);
        cl.setParameterExceptionHandler(Main::onBadArguments);
        try {
            return cl.execute(args);
        } catch (LinkageError e) {
            // The native backend (ND4J's libraries) failed to load or link: the machine, not the input.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            System.err.println("grokscope: the native backend failed to load: " + root.getClass().getSimpleName() + ": "
                    + firstLine(root.getMessage()) + " (a runtime failure; 'grokscope doctor' shows the backend)");
            if (System.getenv("GROKSCOPE_DEBUG") != null) {
                e.printStackTrace();
            }
            return FAILED;
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    private static int onException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (e instanceof BadInputException) {
            err.println("grokscope: " + e.getMessage());
            err.flush();
            return BAD_INPUT;
        }
        if (e instanceof RunFailedException f) {
            err.println("grokscope: run failed: " + f.getMessage() + " (run marked failed; details in "
                    + f.runDir().resolve("error.txt") + ")");
            err.flush();
            return FAILED;
        }
        err.println("grokscope: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        if (System.getenv("GROKSCOPE_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    private static int onBadArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        cl.getErr().println("grokscope: " + e.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName()
                + " --help')");
        cl.getErr().flush();
        return BAD_INPUT;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"grokscope " + Provenance.version() + " (Deeplearning4j/ND4J 1.0.0-M2.1)"};
        }
    }
}
