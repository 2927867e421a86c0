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
 * A generated conversion funnel, impression -> click -> conversion, for ESMM and AITM ({@code --arch esmm|aitm}):
 * one row per impression with 6 standard normal features {@code x1..x6}, a categorical {@code device} (mobile,
 * desktop, tablet) and two labels on every row, {@code click} (0/1) and {@code conversion} (0/1, "clicked and
 * converted", so never 1 without a click). {@code P(click) = sigmoid(-1.4 + 0.9 x1 + 0.5 x2 + d)} with
 * {@code d = 0.3, 0, -0.3} by device (23.5 % of impressions at the default seed); {@code P(conversion | click) =
 * sigmoid(-0.8 + 0.9 x3 - 0.5 x1 + 0.4 x4)} (28 % of clicks): the two steps depend on partly different
 * features, and a high click propensity ({@code x1}) lowers the conversion rate after a click. The same seed gives
 * the same rows.
 *
 * <p>{@link #writePerTask} writes the same kind of rows as two files of their own, one per task ({@code mtl train
 * --task-data}): the first half of the impressions with the {@code click} label only, the second half with the
 * {@code conversion} label only.
 */
public final class ConversionFunnel {
    /** The header of the funnel table. */
    public static final String HEADER = "x1,x2,x3,x4,x5,x6,device,click,conversion";
    private static final String[] DEVICES = {"mobile", "desktop", "tablet"};
    private static final double[] DEVICE_EFFECT = {0.3, 0, -0.3};

    private ConversionFunnel() {
    }

    /** One impression: its features as CSV fields and its two labels. */
    private record Impression(String features, boolean click, boolean conversion) {
    }

    private static Impression next(Random random) {
        double[] x = new double[6];
        StringBuilder features = new StringBuilder(64);
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextGaussian();
            features.append(String.format(Locale.ROOT, "%.4f", x[i])).append(',');
        }
        int device = random.nextInt(DEVICES.length);
        features.append(DEVICES[device]);
        boolean click = random.nextDouble() < sigmoid(-1.4 + 0.9 * x[0] + 0.5 * x[1] + DEVICE_EFFECT[device]);
        boolean convertsAfterClick = random.nextDouble() < sigmoid(-0.8 + 0.9 * x[2] - 0.5 * x[0] + 0.4 * x[3]);
        return new Impression(features.toString(), click, click && convertsAfterClick);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static String bit(boolean b) {
        return b ? "1" : "0";
    }

    /** Writes {@code rows} impressions and a header to {@code file}. */
    public static void write(Path file, int rows, long seed) {
        Random random = new Random(seed);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(HEADER + "\n");
            for (int r = 0; r < rows; r++) {
                Impression i = next(random);
                out.write(i.features() + "," + bit(i.click()) + "," + bit(i.conversion()) + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code rows} impressions as two files: {@code clickFile} (the first {@code rows / 2}, features and
     * {@code click}) and {@code conversionFile} (the rest, features and {@code conversion}).
     */
    public static void writePerTask(Path clickFile, Path conversionFile, int rows, long seed) {
        Random random = new Random(seed);
        String features = HEADER.substring(0, HEADER.indexOf(",click"));
        try (Writer clicks = Files.newBufferedWriter(clickFile, StandardCharsets.UTF_8);
             Writer conversions = Files.newBufferedWriter(conversionFile, StandardCharsets.UTF_8)) {
            clicks.write(features + ",click\n");
            conversions.write(features + ",conversion\n");
            for (int r = 0; r < rows; r++) {
                Impression i = next(random);
                if (r < rows / 2) {
                    clicks.write(i.features() + "," + bit(i.click()) + "\n");
                } else {
                    conversions.write(i.features() + "," + bit(i.conversion()) + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
