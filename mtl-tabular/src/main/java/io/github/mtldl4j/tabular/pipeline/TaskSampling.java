package io.github.mtldl4j.tabular.pipeline;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.InvalidDataException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * How often each table's rows are drawn when the tasks come from tables of their own ({@code TaskTables}): table g
 * with n_g training rows is drawn at the rate p_g = n_g^(1/T) / sum_h n_h^(1/T). Temperature T = 1 is
 * {@link #proportional()} (every training row once per epoch, shuffled: the same as one table), T = infinity is
 * {@link #equal()} (each table equally often), values between move towards equal (T = 2: square-root sampling, as in
 * multilingual and multi-task NLP, e.g. Arivazhagan et al. 2019).
 *
 * @param temperature T, {@code >= 1}; {@code Double.POSITIVE_INFINITY} for equal rates
 */
public record TaskSampling(double temperature) {

    /** Validates the temperature. */
    public TaskSampling {
        if (!(temperature >= 1)) {
            throw new InvalidDataException("task sampling temperature must be >= 1 (1 = proportional, larger = closer to equal), "
                    + "received " + temperature + ".");
        }
    }

    /** Rows drawn in proportion to their table's size: each training row once per epoch. */
    public static TaskSampling proportional() {
        return new TaskSampling(1);
    }

    /** Each table's rows drawn equally often, whatever its size. */
    public static TaskSampling equal() {
        return new TaskSampling(Double.POSITIVE_INFINITY);
    }

    /** Rates proportional to n_g^(1/T). */
    public static TaskSampling temperature(double temperature) {
        return new TaskSampling(temperature);
    }

    /** {@code proportional}, {@code equal} or {@code temperature:T}, as {@link #toString()} writes them. */
    public static TaskSampling parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("proportional")) {
            return proportional();
        }
        if (value.equals("equal")) {
            return equal();
        }
        if (value.startsWith("temperature:")) {
            try {
                return temperature(Double.parseDouble(value.substring("temperature:".length())));
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new InvalidDataException("task sampling '" + text + "': expected proportional, equal or temperature:T with T >= 1, "
                + "e.g. temperature:2.");
    }

    /** Whether every training row is drawn once per epoch (the rows of one table). */
    public boolean isProportional() {
        return temperature == 1;
    }

    /** Per table, its rate p_g for these table sizes (summing to 1). */
    public double[] rates(int[] sizes) {
        double[] rates = new double[sizes.length];
        double total = 0;
        for (int g = 0; g < sizes.length; g++) {
            rates[g] = sizes[g] == 0 ? 0 : Double.isInfinite(temperature) ? 1 : Math.pow(sizes[g], 1 / temperature);
            total += rates[g];
        }
        for (int g = 0; g < sizes.length; g++) {
            rates[g] /= total;
        }
        return rates;
    }

    /**
     * The rows of each epoch: as many as there are training rows, table g's share rounded from its rate (largest
     * remainder), its rows taken in turn from a reshuffled cycle over the table (so a small table's rows repeat and a
     * large table's rows all come round over the epochs), the epoch shuffled. A function of the epoch alone.
     *
     * @param tableOfRow per training row, its table's index
     * @param seed seed of the draws
     */
    public InMemoryMultiDataSetIterator.EpochOrder order(int[] tableOfRow, long seed) {
        int tables = Arrays.stream(tableOfRow).max().orElse(-1) + 1;
        int[] sizes = new int[tables];
        for (int table : tableOfRow) {
            sizes[table]++;
        }
        int[][] members = new int[tables][];
        int[] filled = new int[tables];
        for (int g = 0; g < tables; g++) {
            members[g] = new int[sizes[g]];
        }
        for (int r = 0; r < tableOfRow.length; r++) {
            members[tableOfRow[r]][filled[tableOfRow[r]]++] = r;
        }
        int[] counts = counts(rates(sizes), tableOfRow.length);
        return epoch -> {
            int[] order = new int[tableOfRow.length];
            int at = 0;
            for (int g = 0; g < tables; g++) {
                int n = members[g].length;
                long first = (long) epoch * counts[g];
                int[] cycle = null;
                long cycleIndex = -1;
                for (long k = first; k < first + counts[g]; k++) {
                    if (k / n != cycleIndex) {
                        cycleIndex = k / n;
                        cycle = shuffled(members[g], new Random(seed * 1_000_003L + 7919L * g + 104_729L * cycleIndex));
                    }
                    order[at++] = cycle[(int) (k % n)];
                }
            }
            shuffle(order, new Random(seed * 1_000_003L + epoch));
            return order;
        };
    }

    /** {@code total} split by {@code rates}, the remainder to the largest fractional parts. */
    static int[] counts(double[] rates, int total) {
        int[] counts = new int[rates.length];
        double[] remainders = new double[rates.length];
        int given = 0;
        for (int g = 0; g < rates.length; g++) {
            double exact = rates[g] * total;
            counts[g] = (int) Math.floor(exact);
            remainders[g] = exact - counts[g];
            given += counts[g];
        }
        while (given < total) {
            int best = 0;
            for (int g = 1; g < rates.length; g++) {
                if (remainders[g] > remainders[best]) {
                    best = g;
                }
            }
            counts[best]++;
            remainders[best] = -1;
            given++;
        }
        return counts;
    }

    private static int[] shuffled(int[] rows, Random random) {
        int[] copy = rows.clone();
        shuffle(copy, random);
        return copy;
    }

    private static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }

    @Override
    public String toString() {
        return isProportional() ? "proportional" : Double.isInfinite(temperature) ? "equal"
                : "temperature:" + (temperature == Math.rint(temperature) ? String.valueOf((long) temperature) : String.valueOf(temperature));
    }
}
