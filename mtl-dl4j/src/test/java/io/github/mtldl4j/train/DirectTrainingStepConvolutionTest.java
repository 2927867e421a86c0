package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.FRANK_WOLFE;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.graph.ConvolutionalTrunk;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.model.DirectInference;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The direct step on {@link ConvolutionalTrunk} graphs (convolutions, max pooling, DL4J's flat-to-image and
 * image-to-flat preprocessors) against DL4J's {@code fit} on an identical graph in double precision
 * ({@link DirectStepChecks}): one pass, Adam steps with label masks, per-task passes, a finite-difference check of
 * the convolutions' parameters, and the direct inference pass against {@code output}. Small images (17 x 16, odd
 * height: the pooling truncates a row) with 2 channels, so channel order matters.
 */
class DirectTrainingStepConvolutionTest {
    private static final int HEIGHT = 17;
    private static final int WIDTH = 16;
    private static final int CHANNELS = 2;
    private static final int INPUTS = HEIGHT * WIDTH * CHANNELS;
    private static final int ROWS = 8;

    private static MultiTaskGraphBuilder builder(ConvolutionalTrunk.Trunks trunks) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.RELU).updater(new Adam(0.01)).seed(11)
                .dataType(DataType.DOUBLE).sharing(new ConvolutionalTrunk(HEIGHT, WIDTH, CHANNELS, trunks, 3, 4, 5))
                .task(Task.regression("price", 2).withHead(4).withWeight(0.7))
                .task(Task.binary("churn").withWeight(1.3))
                .task(Task.multiclass("segment", 3));
    }

    private static final Map<String, Supplier<MultiTaskModel>> MODELS = Map.of(
            "hard", () -> builder(ConvolutionalTrunk.Trunks.ONE_SHARED).build(),
            "independent", () -> builder(ConvolutionalTrunk.Trunks.ONE_PER_TASK).build());

    @Test
    void convolutionalTrunksAreTakenByTheDirectStep() {
        MODELS.forEach((name, models) -> {
            ComputationGraph graph = models.get().graph();
            // The preprocessors the direct step reads as views: check the trunk still carries them.
            String prefix = name.equals("hard") ? "" : "price_";
            LayerVertex conv = (LayerVertex) graph.getConfiguration().getVertices().get(prefix + "conv_0");
            assertTrue(conv.getPreProcessor() instanceof FeedForwardToCnnPreProcessor, name + ": " + conv.getPreProcessor());
            assertTrue(conv.getLayerConf().getLayer() instanceof ConvolutionLayer);
            LayerVertex dense = (LayerVertex) graph.getConfiguration().getVertices().get(prefix + "conv_dense");
            assertTrue(dense.getPreProcessor() instanceof CnnToFeedForwardPreProcessor, name + ": " + dense.getPreProcessor());
            assertEquals(Optional.empty(), DirectTrainingStep.unsupportedReason(graph, RepresentationTapVertex.class), name);
            assertNotNull(DirectTrainingStep.forLibraryGraph(graph), name);
        });
    }

    @Test
    void gradientAndScoresEqualDl4j() {
        MODELS.forEach((name, models) -> DirectStepChecks.gradientAndScoresEqualDl4j(models,
                DirectStepChecks.batch(3, ROWS, INPUTS, true), name));
    }

    /** Adam steps, label masks on two tasks in every other step, and a batch of another size in between. */
    @Test
    void stepsEqualDl4jFit() {
        MODELS.forEach((name, models) -> DirectStepChecks.stepsEqualFit(models,
                step -> DirectStepChecks.batch(step, step == 2 ? ROWS + 3 : ROWS, INPUTS, step % 2 == 0), 4, step -> { }, name));
    }

    @Test
    void perTaskPassesEqualTheGraphsOwn() {
        MODELS.forEach((name, models) -> DirectStepChecks.perTaskPassesEqualTheGraphsOwn(models,
                DirectStepChecks.batch(8, ROWS, INPUTS, true), name));
    }

    /** Every 12th parameter of both convolutions and the dense layer after them, tanh (no kinks but the poolings'). */
    @Test
    void gradientPassesAFiniteDifferenceCheck() {
        MultiTaskModel model = builder(ConvolutionalTrunk.Trunks.ONE_SHARED).activation(Activation.TANH).updater(new Sgd(0.1))
                .build();
        int checked = DirectStepChecks.gradientPassesFiniteDifferences(model, DirectStepChecks.batch(5, ROWS, INPUTS, true),
                ROWS, name -> name.startsWith("conv"), 12, () -> { }, "convolutional trunk");
        // conv_0: 3 x 2 x 5 x 5 + 3 = 153; conv_1: 4 x 3 x 5 x 5 + 4 = 304; conv_dense: 4 x 5 + 5 = 25 (1 x 1 images).
        assertTrue(checked >= (153 + 304 + 25) / 12 - 3, checked + " parameters checked");
    }

    /**
     * What {@link ConvolutionalTrunk} does not build, hand-wired: a strided, padded convolution (patches through the
     * index map), overlapping padded max pooling, overlapping average pooling, a convolution with the identity
     * activation; one pass's gradient and score against DL4J's.
     */
    @Test
    void stridedPaddedLayersEqualDl4j() {
        Supplier<ComputationGraph> graphs = () -> {
            ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                    .updater(new Sgd(0.1)).convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("in")
                    .addLayer("conv_a", new ConvolutionLayer.Builder(3, 3).stride(2, 1).padding(1, 1).nOut(3)
                            .activation(Activation.RELU).build(), "in")
                    .addLayer("pool_a", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3)
                            .stride(1, 1).padding(1, 1).build(), "conv_a")
                    .addLayer("pool_b", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2)
                            .stride(1, 1).build(), "pool_a")
                    .addLayer("conv_b", new ConvolutionLayer.Builder(2, 2).nOut(2).activation(Activation.IDENTITY).build(), "pool_b")
                    .addLayer("dense", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "conv_b")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                            .activation(Activation.SOFTMAX).build(), "dense")
                    .setOutputs("out").setInputTypes(InputType.convolutionalFlat(9, 8, 2)).build();
            ComputationGraph graph = new ComputationGraph(conf);
            graph.init();
            return graph;
        };
        int rows = 5;
        Nd4j.getRandom().setSeed(17);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, rows, 3);
        for (int r = 0; r < rows; r++) {
            labels.putScalar(r, r % 3, 1.0);
        }
        MultiDataSet batch = new MultiDataSet(new INDArray[] {Nd4j.randn(DataType.DOUBLE, rows, 9 * 8 * 2)},
                new INDArray[] {labels});
        ComputationGraph graph = graphs.get();
        double[] scores = DirectTrainingStep.of(graph).computeGradient(batch);
        ComputationGraph reference = graphs.get();
        perturbOneSide(reference.params());
        reference.setInputs(batch.getFeatures());
        reference.setLabels(batch.getLabels());
        reference.computeGradientAndScore();
        assertClose(DirectStepChecks.layerGradients(reference), DirectStepChecks.layerGradients(graph), REORDERED, "gradient");
        assertClose(reference.score(), scores[0], REORDERED, "score");
    }

    /** The direct inference pass (a plan, never the host loops, for images) against DL4J's {@code output}. */
    @Test
    void directInferenceEqualsGraphOutput() {
        MultiTaskModel model = MODELS.get("hard").get();
        DirectTrainingStep.of(model.graph(), RepresentationTapVertex.class).fit(DirectStepChecks.batch(1, ROWS, INPUTS, false));
        DirectInference.Forward forward = new DirectInferencePass().compile(model.graph()).orElseThrow();
        for (int rows : new int[] {1, 5}) {
            INDArray features = DirectStepChecks.batch(2, rows, INPUTS, false).getFeatures(0);
            INDArray[] expected = model.graph().clone().output(false, features.dup());
            INDArray[] actual = forward.output(features);
            for (int t = 0; t < expected.length; t++) {
                assertClose(expected[t], actual[t], REORDERED, "rows " + rows + " output " + t);
            }
        }
    }

    /** The trainer's default (direct steps) against the same run through {@code fit}: missing labels, 2 epochs. */
    @Test
    void trainerWithDirectStepsEqualsTrainerThroughFit() {
        INDArray[] params = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = MODELS.get("independent").get();
            if (run == 1) {
                perturbOneSide(model.graph().params());
            }
            MultiTaskTrainer.builder(model).epochs(2).directSteps(run == 0).build()
                    .fit(new InMemoryMultiDataSetIterator(DirectStepChecks.batch(21, 12, INPUTS, true), 4));
            params[run] = model.graph().params();
        }
        assertClose(params[1], params[0], ADAM_STEPS, "parameters");
    }

    /** MGDA-UB through the representation (the MultiFashion example's route): direct steps against the graph's own. */
    @Test
    void mgdaUbThroughTheRepresentationEqualsTheGraphsOwnRoute() {
        INDArray[] params = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = builder(ConvolutionalTrunk.Trunks.ONE_SHARED).representationTap().build();
            if (run == 1) {
                perturbOneSide(model.graph().params());
            }
            MultiTaskTrainer.builder(model).epochs(1).metrics(false).aggregator(MgdaUb.onRepresentation()).directSteps(run == 0)
                    .build().fit(new InMemoryMultiDataSetIterator(DirectStepChecks.batch(22, 12, INPUTS, true), 4));
            params[run] = model.graph().params();
        }
        assertClose(params[1], params[0], FRANK_WOLFE, "parameters");
    }
}
