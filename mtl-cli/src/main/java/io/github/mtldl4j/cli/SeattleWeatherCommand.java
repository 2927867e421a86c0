package io.github.mtldl4j.cli;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.io.IOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;

/**
 * {@code mtl seattle}: Seattle's daily weather 2012-2015 (NOAA, bundled): same-day maximum and minimum temperature
 * (regression) and the weather label (multiclass: drizzle, fog, rain, snow, sun) from precipitation, wind and the
 * month (derived from the date, one-hot). Single-task baselines against hard sharing and uncertainty weighting.
 */
@Command(name = "seattle", mixinStandardHelpOptions = true, defaultValueProvider = SeattleWeatherCommand.SeattleDefaults.class,
        description = "Seattle weather: temp_max, temp_min and weather label; single-task vs multi-task, per-task table and delta-m.")
public final class SeattleWeatherCommand extends BundledStudyCommand {
    static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("temp_max:regression:temp_max"),
            TaskSpec.parse("temp_min:regression:temp_min"), TaskSpec.parse("weather:multiclass:weather"));
    static final List<String> FEATURES = List.of("precipitation", "wind", "month");

    /** {@code --out mtl-seattle}, {@code --epochs 40}. */
    static final class SeattleDefaults extends Defaults {
        SeattleDefaults() {
            super("mtl-seattle", 40);
        }
    }

    @Override
    CsvTable table() throws IOException {
        return withMonth(DemoCommand.bundled("seattle-weather.csv"));
    }

    @Override
    String describe(CsvTable table) {
        return String.format(Locale.ROOT, "Seattle weather: %d days; tasks temp_max, temp_min (regression), weather (multiclass); "
                + "features %s; 20 %% validation, stratified on weather", table.rowCount(), FEATURES);
    }

    @Override
    List<TaskSpec> tasks() {
        return TASKS;
    }

    @Override
    List<String> features() {
        return FEATURES;
    }

    @Override
    Set<String> categorical() {
        return Set.of("month");
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
