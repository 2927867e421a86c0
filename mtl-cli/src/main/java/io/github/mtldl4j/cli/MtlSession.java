package io.github.mtldl4j.cli;

import io.github.mtldl4j.tabular.pipeline.DataParallelTraining;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Several {@code mtl} commands in one JVM, joined by {@code --then}:
 * {@code MtlSession train ARGS... --spark MASTER --then train ARGS... --spark MASTER}. When every command names the same
 * {@code --spark} master they share one Spark context: on a cluster one application, whose executors start (and load
 * ND4J) once instead of once per command; {@code mtl-spark/cluster/local-cluster.sh} submits its sessions this way.
 * Stops at the first command that fails, with that command's exit code.
 */
public final class MtlSession {
    private MtlSession() {
    }

    /** Entry point for {@code spark-submit --class io.github.mtldl4j.cli.MtlSession}. */
    public static void main(String[] args) throws Exception {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the commands in order and returns the first non-zero exit code, or 0. */
    static int run(String[] args, PrintWriter out, PrintWriter err) throws Exception {
        List<List<String>> commands = new ArrayList<>();
        commands.add(new ArrayList<>());
        for (String arg : args) {
            if ("--then".equals(arg)) {
                commands.add(new ArrayList<>());
            } else {
                commands.get(commands.size() - 1).add(arg);
            }
        }
        if (commands.stream().anyMatch(List::isEmpty)) {
            err.println("mtl session: expected COMMAND ARGS... [--then COMMAND ARGS...]..., received an empty command");
            return 2;
        }
        Set<String> masters = new HashSet<>();
        for (List<String> command : commands) {
            int at = command.indexOf("--spark");
            masters.add(at >= 0 && at + 1 < command.size() ? command.get(at + 1) : null);
        }
        String master = masters.size() == 1 ? masters.iterator().next() : null;
        AutoCloseable session = master == null ? () -> { } : DataParallelTraining.find().<AutoCloseable>map(p -> p.session(master))
                .orElse(() -> { });
        long start = System.nanoTime();
        try (session) {
            for (int i = 0; i < commands.size(); i++) {
                List<String> command = commands.get(i);
                err.printf(Locale.ROOT, "mtl session: command %d of %d (at %.0f s): mtl %s%n", i + 1, commands.size(),
                        (System.nanoTime() - start) / 1e9, String.join(" ", command));
                int code = MtlCommand.execute(command.toArray(String[]::new), out, err);
                if (code != 0) {
                    err.printf(Locale.ROOT, "mtl session: command %d of %d failed (exit %d); the session ends here%n", i + 1, commands.size(), code);
                    return code;
                }
            }
        }
        err.printf(Locale.ROOT, "mtl session: %d commands done in %.0f s%n", commands.size(), (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
