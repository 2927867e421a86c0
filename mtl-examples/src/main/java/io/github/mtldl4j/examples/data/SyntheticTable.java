package io.github.mtldl4j.examples.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * A generated CSV table for measuring the tabular pipeline (the benchmarks' {@code ThroughputBenchmark} and the
 * data-path timing): 8 standard normal numeric features {@code x1..x8}, categorical {@code colour} (5 levels) and
 * {@code size} (3 levels), and three labels with 5 % missing each: {@code price} (regression), {@code churn}
 * (yes/no) and {@code segment} (s0, s1, s2), each a simple function of the features plus noise.
 */
public final class SyntheticTable {
    private SyntheticTable() {
    }

    /** Writes {@code rows} rows and a header to {@code file}; the same seed gives the same file. */
    public static void write(Path file, int rows, long seed) {
        Random random = new Random(seed);
        String[] colours = {"red", "green", "blue", "black", "white"};
        String[] sizes = {"S", "M", "L"};
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("x1,x2,x3,x4,x5,x6,x7,x8,colour,size,price,churn,segment\n");
            for (int r = 0; r < rows; r++) {
                double[] x = new double[8];
                StringBuilder line = new StringBuilder(128);
                for (int i = 0; i < x.length; i++) {
                    x[i] = random.nextGaussian();
                    line.append(String.format(Locale.ROOT, "%.5f", x[i])).append(',');
                }
                int colour = random.nextInt(colours.length);
                int size = random.nextInt(sizes.length);
                line.append(colours[colour]).append(',').append(sizes[size]).append(',');
                double price = 3 * x[0] - 2 * x[1] + x[2] * x[3] + colour + 0.1 * random.nextGaussian();
                boolean churn = x[4] + 0.5 * x[0] + 0.3 * random.nextGaussian() > 0;
                int segment = (int) Math.floorMod(Math.round(x[5] + x[6] + size), 3);
                line.append(missing(random) ? "" : String.format(Locale.ROOT, "%.4f", price)).append(',')
                        .append(missing(random) ? "" : churn ? "yes" : "no").append(',')
                        .append(missing(random) ? "" : "s" + segment).append('\n');
                out.write(line.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean missing(Random random) {
        return random.nextDouble() < 0.05;
    }
}
