package io.github.mtldl4j.cli;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mtl seattle}: Seattle's daily weather 2012-2015 (NOAA, bundled): same-day maximum and minimum temperature
 * (regression) and the weather label (multiclass: drizzle, fog, rain, snow, sun) from precipitation, wind and the
 * month (derived from the date, one-hot). Single-task baselines against hard sharing and uncertainty weighting.
 */
@Command(name = "seattle", mixinStandardHelpOptions = true,
        description = "Seattle weather: temp_max, temp_min and weather label; single-task vs multi-task, per-task table and delta-m.")
public final class SeattleWeatherCommand implements Callable<Integer> {
    static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("temp_max:regression:temp_max"),
            TaskSpec.parse("temp_min:regression:temp_min"), TaskSpec.parse("weather:multiclass:weather"));
    static final List<String> FEATURES = List.of("precipitation", "wind", "month");

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "mtl-seattle", paramLabel = "DIR", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", defaultValue = "40", description = "Epochs per run (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        OutputDirectory.check(out);
        MtlCommand.announceBackend(spec.commandLine().getErr());
        PrintWriter stdout = spec.commandLine().getOut();
        CsvTable table = withMonth(DemoCommand.bundled("seattle-weather.csv"));
        stdout.printf(Locale.ROOT, "Seattle weather: %d days; tasks temp_max, temp_min (regression), weather (multiclass); features %s; "
                + "20 %% validation, stratified on weather; %d epochs, seed %d%n", table.rowCount(), FEATURES, epochs, seed);
        Comparison.run(stdout, table, TASKS, FEATURES, Set.of("month"), Comparison.STANDARD, epochs, seed, out);
        return 0;
    }

    /** Adds the month (1-12) of the {@code date} column. */
    static CsvTable withMonth(CsvTable table) {
        int date = table.column("date", "date of the day");
        List<String> months = new ArrayList<>(table.rowCount());
        for (int r = 0; r < table.rowCount(); r++) {
            try {
                months.add(Integer.toString(LocalDate.parse(table.value(r, date).trim()).getMonthValue()));
            } catch (DateTimeParseException e) {
                throw new InvalidDataException(table.source() + ": line " + table.line(r) + ", column 'date': expected YYYY-MM-DD, found '"
                        + table.value(r, date) + "'.", e);
            }
        }
        return table.withColumn("month", months);
    }
}
