package io.github.mtldl4j.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.graph.ConvolutionalTrunk;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** IDX reading, the MultiFashion composer and the convolutional trunk. */
class ImagesTest {
    @TempDir
    Path dir;

    private static byte[] idx(int[] dimensions, byte[] values) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x0800 | dimensions.length);
            for (int d : dimensions) {
                out.writeInt(d);
            }
            out.write(values);
        }
        return bytes.toByteArray();
    }

    private Path gz(String name, byte[] content) throws Exception {
        Path file = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
        return file;
    }

    @Test
    void readsPlainAndGzippedIdxAndRefusesBrokenFiles() throws Exception {
        byte[] values = {0, 1, (byte) 200, (byte) 255, 7, 9};
        IdxFile plain = IdxFile.read(Files.write(dir.resolve("a.idx"), idx(new int[] {3, 2}, values)));
        assertArrayEquals(new int[] {3, 2}, plain.dimensions());
        assertEquals(255, plain.unsigned(3));
        assertEquals(plain, IdxFile.read(gz("a.idx.gz", idx(new int[] {3, 2}, values))));
        byte[] truncated = java.util.Arrays.copyOf(idx(new int[] {3, 2}, values), 12);
        InvalidDataException cut = assertThrows(InvalidDataException.class, () -> IdxFile.read(Files.write(dir.resolve("t.idx"), truncated)));
        assertTrue(cut.getMessage().contains("truncated"), cut.getMessage());
        InvalidDataException magic = assertThrows(InvalidDataException.class,
                () -> IdxFile.read(Files.write(dir.resolve("m.idx"), new byte[] {1, 2, 3, 4, 5})));
        assertTrue(magic.getMessage().contains("magic"), magic.getMessage());
        assertThrows(InvalidDataException.class, () -> IdxFile.read(dir.resolve("none.idx")));
    }

    @Test
    void composesLeftItemTopLeftAndRightItemBottomRight() {
        // Item i is a 28 x 28 image filled with (i + 1) * 10, label i.
        int items = 5;
        byte[] pixels = new byte[items * 28 * 28];
        for (int i = 0; i < items; i++) {
            java.util.Arrays.fill(pixels, i * 784, (i + 1) * 784, (byte) ((i + 1) * 10));
        }
        byte[] labels = {0, 1, 2, 3, 4};
        MultiFashion fashion = new MultiFashion(new IdxFile(new int[] {items, 28, 28}, pixels), new IdxFile(new int[] {items}, labels));
        MultiDataSet data = fashion.compose(20, 3);
        assertEquals(36 * 36, data.getFeatures(0).columns());
        for (int r = 0; r < 20; r++) {
            int left = data.getLabels(0).getRow(r).argMax().getInt(0);
            int right = data.getLabels(1).getRow(r).argMax().getInt(0);
            assertTrue(left != right, "two distinct items");
            INDArray image = data.getFeatures(0).getRow(r);
            assertEquals((left + 1) * 10 / 255.0, image.getDouble(0), 1e-6, "top-left pixel is the left item");
            assertEquals((right + 1) * 10 / 255.0, image.getDouble(36 * 36 - 1), 1e-6, "bottom-right pixel is the right item");
            assertEquals(Math.max(left, right) * 10 / 255.0 + 10 / 255.0, image.getDouble(20 * 36 + 20), 1e-6, "overlap: the brighter");
            assertEquals(0.0, image.getDouble(35), 1e-9, "top-right corner is empty");
        }
    }

    @Test
    void convolutionalTrunkPassesAGradientCheckSharedAndIndependent() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        // DL4J M2.1's graph gradient check ignores subset/maxPerParam and checks every parameter: a small trunk keeps it fast.
        for (ConvolutionalTrunk trunk : new ConvolutionalTrunk[] {
                new ConvolutionalTrunk(16, 16, 1, ConvolutionalTrunk.Trunks.ONE_SHARED, 2, 3, 8),
                new ConvolutionalTrunk(16, 16, 1, ConvolutionalTrunk.Trunks.ONE_PER_TASK, 2, 3, 8)}) {
            MultiTaskModel model = MultiTaskGraphBuilder.forInputs(256).sharing(trunk).activation(Activation.TANH).updater(new NoOp())
                    .dataType(DataType.DOUBLE).seed(3).tasks(Task.multiclass("left", 3), Task.regression("right")).build();
            INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 256);
            INDArray left = Nd4j.zeros(DataType.DOUBLE, 2, 3);
            for (int r = 0; r < 2; r++) {
                left.putScalar(r, r, 1);
            }
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(model.graph())
                    .inputs(new INDArray[] {x}).labels(new INDArray[] {left, Nd4j.rand(DataType.DOUBLE, 2, 1)})
                    .epsilon(1e-6).maxRelError(1e-4).minAbsoluteError(1e-8)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
            assertTrue(ok, trunk.name());
            assertEquals(trunk.shared() ? 2 : 0, trunk.shared() ? model.parameterCounts().perTask().size() : model.parameterCounts().shared());
        }
    }
}
