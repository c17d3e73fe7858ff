package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.Tape.Node;
import bert4j.examples.model.specs.RefT5Bert4kerasImpl;
import bert4j.examples.model.specs.RefT5Impl;
import bert4j.examples.model.specs.RefT5v11Impl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.RelativeBuckets;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tiny T5s (1.0, 1.1 and 1.1 under bert4keras's convention; two encoder and two decoder layers)
 * against {@link ReferenceT5} (double) on a padded batch whose encoder rows (10) are longer than
 * its decoder rows (7): encoder output, decoder output and LM logits within 1e-4, the loss and every
 * parameter's gradient within 1e-3 relative; and the runtime's relative position buckets against a
 * transcription of the formula.
 */
class T5MatchesReferenceTest {
  private static final double OUTPUT_TOLERANCE = 1e-4;
  private static final double GRADIENT_TOLERANCE = 1e-3;
  private static final int[][] INPUT_IDS = {
      {5, 9, 13, 2, 17, 21, 3, 30, 11, 1},
      {7, 4, 19, 25, 1, 0, 0, 0, 0, 0},
      {33, 8, 1, 0, 0, 0, 0, 0, 0, 0}};
  private static final int[][] LABELS = {
      {12, 6, 38, 14, 1, -1, -1},
      {3, 22, 9, 31, 27, 10, 1},
      {29, 1, -1, -1, -1, -1, -1}};

  /** The three tiny specs and how the reference reads them. */
  public enum Spec {
    T5_1_0(RefT5Impl::create, RefT5Impl::createForInference, false, false, Tape.Act.RELU),
    T5_1_1(RefT5v11Impl::create, RefT5v11Impl::createForInference, true, false,
        Tape.Act.GELU_TANH),
    T5_1_1_BERT4KERAS(RefT5Bert4kerasImpl::create, RefT5Bert4kerasImpl::createForInference, true,
        true, Tape.Act.GELU);

    final Factory factory;
    final Factory inference;
    final boolean gated;
    final boolean bert4keras;
    final Tape.Act act;

    Spec(Factory factory, Factory inference, boolean gated, boolean bert4keras, Tape.Act act) {
      this.factory = factory;
      this.inference = inference;
      this.gated = gated;
      this.bert4keras = bert4keras;
      this.act = act;
    }
  }

  /** A generated class's {@code create} or {@code createForInference}. */
  public interface Factory {
    GeneratedTransformer create(Kernels kernels, int maxBatch, int maxLength);
  }

  @ParameterizedTest
  @EnumSource(Spec.class)
  void outputsLossAndGradientsMatchTheReference(Spec spec) {
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = spec.factory.create(kernels, 4, 12)) {
      Map<String, double[]> weights = Harness.randomizeWeights(model, 5);
      Map<String, int[]> shapes = new LinkedHashMap<>();
      for (ParameterInfo p : model.parameters()) {
        shapes.put(p.name(), p.shape());
      }
      Batch batch = Batch.seq2seq(INPUT_IDS, LABELS);
      float loss = model.computeGradients(batch);
      Outputs out = model.lastOutputs();

      int seq = INPUT_IDS[0].length;
      int[][] decoderIds = new int[INPUT_IDS.length][seq];
      int[][] labels = new int[INPUT_IDS.length][seq];
      for (int b = 0; b < labels.length; b++) {
        java.util.Arrays.fill(labels[b], -1);
        for (int i = 0; i < LABELS[b].length; i++) {
          labels[b][i] = LABELS[b][i];
          decoderIds[b][i] = i == 0 ? 0 : Math.max(LABELS[b][i - 1], 0);
        }
      }
      ReferenceT5 reference = new ReferenceT5(weights, shapes, 2, 2, 6, spec.gated,
          spec.bert4keras, spec.act);
      ReferenceT5.Result ref = reference.run(INPUT_IDS, decoderIds, labels);
      reference.backward(ref.loss());

      assertClose(out.get("encoder_output"), ref.encoder(), INPUT_IDS[0].length, "encoder output");
      assertClose(out.sequenceOutput(), ref.decoder(), LABELS[0].length, "decoder output");
      assertClose(out.mlmLogits(), ref.logits(), LABELS[0].length, "LM logits");
      assertEquals(ref.loss().value[0], loss, GRADIENT_TOLERANCE * ref.loss().value[0], "loss");
      StringBuilder failures = new StringBuilder();
      double worst = 0;
      for (ParameterInfo p : model.parameters()) {
        double error = Harness.relativeError(model.gradient(p.name()).data(),
            reference.weight(p.name()).grad);
        worst = Math.max(worst, error);
        if (!(error <= GRADIENT_TOLERANCE)) {
          failures.append("\n  ").append(p.name()).append(": relative error ").append(error);
        }
      }
      System.out.printf("[reftest] %s: worst gradient relative error %.2e over %d parameters%n",
          spec, worst, model.parameters().size());
      assertTrue(failures.isEmpty(), spec + " gradients differ:" + failures);
    }
  }

  /** Rows [0, rows) of every sequence of {@code actual} ([B, S, w]) within the output tolerance. */
  private static void assertClose(FloatTensor actual, Node expected, int rows, String what) {
    int[] shape = actual.shape();
    int seq = shape[1];
    int width = shape[2];
    double worst = 0;
    for (int b = 0; b < shape[0]; b++) {
      for (int i = 0; i < rows; i++) {
        for (int c = 0; c < width; c++) {
          int at = (b * seq + i) * width + c;
          worst = Math.max(worst, Math.abs(actual.data()[at] - expected.value[at]));
        }
      }
    }
    System.out.printf("[reftest] %s: worst absolute difference %.2e%n", what, worst);
    assertTrue(worst <= OUTPUT_TOLERANCE, what + " differs from the reference by " + worst);
  }

  @Test
  void bucketsEqualTheFormulaForDistancesWithinThreeHundred() {
    for (boolean bidirectional : new boolean[] {true, false}) {
      for (int d = -300; d <= 300; d++) {
        assertEquals(T5Buckets.bucket(d, bidirectional, 32, 128),
            RelativeBuckets.bucket(d, bidirectional, 32, 128),
            "distance " + d + (bidirectional ? " (bidirectional)" : " (causal)"));
      }
    }
  }
}
