package io.github.mtldl4j.cli;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.examples.FunnelExample;
import io.github.mtldl4j.examples.GradNormToyExample;
import io.github.mtldl4j.examples.MmoeStudy;
import io.github.mtldl4j.examples.MmoeSyntheticExample;
import io.github.mtldl4j.examples.MultiFashionExample;
import io.github.mtldl4j.examples.SeedExample;
import io.github.mtldl4j.setting.MentionsSettings;
import io.github.mtldl4j.train.TrainingDivergedException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mtl} command line: {@code ./mtl <command> [options]}. Exit codes: 0 success, 2 bad input or
 * usage (one line on stderr saying what was expected) or training that diverged (a NaN or infinite loss: the inputs or
 * settings need changing), 1 internal failure or an ND4J backend that cannot load on this machine (one line saying
 * which backend was built and what is missing, {@link BackendCheck}: no input would help, the build or the machine
 * must change).
 */
@Command(name = "mtl", mixinStandardHelpOptions = true, version = "mtl-dl4j 0.1.0-SNAPSHOT",
        description = "Multi-task learning on Deeplearning4j.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class, ExportCommand.class, AffinityCommand.class, AffinityDemoCommand.class, TuneCommand.class, SeattleWeatherCommand.class,
                ServeCommand.class,
                SeedExample.class, GradNormToyExample.class, MultiFashionExample.class, MmoeSyntheticExample.class,
                FunnelExample.class,
                MmoeStudy.class,
                CommandLine.HelpCommand.class})
public final class MtlCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: expected one of " + spec.subcommands().keySet());
    }

    /** Entry point of {@code ./mtl}. */
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code (for tests and embedding). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new MtlCommand());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            String command = e.getCommandLine().getCommandName();
            err.println("mtl: " + e.getMessage() + " (see ./" + ("mtl".equals(command) ? "mtl" : "mtl " + command) + " --help)");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof TrainingDivergedException) {
                // Library messages name API calls; the command line names its flags instead.
                err.println("mtl: " + (e instanceof MentionsSettings m ? m.message(CommandLineFlags.FLAGS) : e.getMessage()));
                if (System.getenv("MTL_DEBUG") != null) {
                    e.printStackTrace(err);
                }
                return 2;
            }
            err.println("mtl: internal failure: " + e);
            e.printStackTrace(err);
            return 1;
        });
        commandLine.setExecutionStrategy(parseResult -> {
            Integer help = CommandLine.executeHelpRequest(parseResult);
            if (help != null) {
                return help;
            }
            List<CommandLine> commands = parseResult.asCommandLineList();
            Object command = commands.get(commands.size() - 1).getCommand();
            if (!(command instanceof CommandLine.HelpCommand || command instanceof MtlCommand)) {
                String problem = BackendCheck.start();
                if (problem != null) {
                    err.println(problem);
                    return 1;
                }
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        int code;
        try {
            code = commandLine.execute(args);
        } catch (LinkageError e) {
            // ND4J failing later than at the start (picocli passes Errors on): still one line.
            if (!BackendCheck.isBackendFailure(e)) {
                throw e;
            }
            err.println(BackendCheck.message(BackendCheck.builtBackend(), e, ""));
            code = 1;
        }
        out.flush();
        err.flush();
        return code;
    }

    /** Prints the one line naming the ND4J backend, as every program does at start. */
    static void announceBackend(PrintWriter err) {
        err.println(BackendInfo.describe());
    }
}
