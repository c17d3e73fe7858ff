package bert4j.examples.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated CRF and MEMM heads ({@link TinyCrf}, {@link TinyMemm}) against a brute force in
 * double from the model's own sequence output: the emissions, the loss (the CRF's log Z over every
 * tag path), and the gradients of the transitions and of the emission layer; the encoder's gradients
 * against central differences of the model's loss along them; the tags checked where there are
 * tokens only.
 */
class TagPathHeadTest {
  /** Sequence 2 has padding at its start and in its middle; sequence 1 at its end. */
  private static final int[][] TOKENS = {{3, 7, 2, 9, 4}, {5, 1, 8, 0, 0}, {0, 6, 0, 2, 11}};
  private static final int[][] SEGMENTS = new int[3][5];
  private static final int HIDDEN = 8;

  private static GeneratedTransformer create(boolean crf, Kernels kernels) {
    return crf ? TinyCrfImpl.create(kernels, 3, 5) : TinyMemmImpl.create(kernels, 3, 5);
  }

  /** Every parameter N(0, 0.5²): transitions and emissions far enough from 0 to matter. */
  private static void randomize(GeneratedTransformer model, long seed) {
    Random random = new Random(seed);
    for (ParameterInfo p : model.parameters()) {
      float[] values = new float[p.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (0.5 * random.nextGaussian());
      }
      model.setParameter(p.name(), new FloatTensor(p.shape(), values));
    }
  }

  /** A tag in [0, tags) where there is a token, −1 at padding. */
  private static int[][] tags(int tags, long seed) {
    Random random = new Random(seed);
    int[][] labels = new int[TOKENS.length][];
    for (int b = 0; b < TOKENS.length; b++) {
      labels[b] = new int[TOKENS[b].length];
      for (int t = 0; t < TOKENS[b].length; t++) {
        labels[b][t] = TOKENS[b][t] == 0 ? -1 : random.nextInt(tags);
      }
    }
    return labels;
  }

  private static double[][] matrix(FloatTensor t) {
    int[] shape = t.shape();
    double[][] m = new double[shape[0]][shape[1]];
    for (int i = 0; i < shape[0]; i++) {
      for (int j = 0; j < shape[1]; j++) {
        m[i][j] = t.get(i, j);
      }
    }
    return m;
  }

  @ParameterizedTest(name = "crf {0}")
  @ValueSource(booleans = {true, false})
  void lossAndHeadGradientsMatchTheBruteForce(boolean crf) {
    String name = crf ? "crf" : "memm";
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = create(crf, kernels)) {
      randomize(model, 11);
      double[][] w = matrix(model.parameter(name + ".dense.weight"));
      float[] bias = model.parameter(name + ".dense.bias").data();
      double[][] trans = matrix(model.parameter(name + ".transitions"));
      int n = trans.length;
      int[][] tags = tags(n, 12);
      Batch batch = Batch.withTokenLabels(TOKENS, SEGMENTS, tags);
      Outputs outputs = model.forward(batch);
      FloatTensor sequence = outputs.get("sequence_output");
      FloatTensor emissions = outputs.get(name + "_emissions");

      double loss = 0;
      double[][] dT = new double[n][n];
      double[][] dW = new double[n][HIDDEN];
      double[] dBias = new double[n];
      int sequences = TOKENS.length;
      for (int b = 0; b < sequences; b++) {
        List<Integer> at = new ArrayList<>();
        for (int t = 0; t < TOKENS[b].length; t++) {
          if (TOKENS[b][t] != 0) {
            at.add(t);
          }
        }
        double[][] e = new double[at.size()][n];
        int[] gold = new int[at.size()];
        for (int k = 0; k < at.size(); k++) {
          int t = at.get(k);
          gold[k] = tags[b][t];
          for (int j = 0; j < n; j++) {
            e[k][j] = bias[j];
            for (int c = 0; c < HIDDEN; c++) {
              e[k][j] += w[j][c] * sequence.get(b, t, c);
            }
            assertEquals(e[k][j], emissions.get(b, t, j), 1e-5, "emission " + b + "," + t + "," + j);
          }
        }
        TagPaths.Loss l = crf ? TagPaths.crf(e, trans, gold) : TagPaths.memm(e, trans, gold);
        loss += l.value() / sequences;
        for (int k = 0; k < at.size(); k++) {
          for (int j = 0; j < n; j++) {
            double g = l.dEmissions()[k][j] / sequences;
            dBias[j] += g;
            for (int c = 0; c < HIDDEN; c++) {
              dW[j][c] += g * sequence.get(b, at.get(k), c);
            }
          }
        }
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            dT[i][j] += l.dTransitions()[i][j] / sequences;
          }
        }
      }
      float got = model.computeGradients(batch);
      assertEquals(loss, got, 1e-5 * Math.max(1, loss), "the loss, a mean over sequences");
      assertClose(dT, model.gradient(name + ".transitions"), name + ".transitions");
      assertClose(dW, model.gradient(name + ".dense.weight"), name + ".dense.weight");
      assertClose(new double[][] {dBias}, model.gradient(name + ".dense.bias"),
          name + ".dense.bias");
    }
  }

  /** ‖got − want‖ ≤ 1e-4·‖want‖ + 1e-6, want not zero. */
  private static void assertClose(double[][] want, FloatTensor got, String what) {
    double error = 0;
    double norm = 0;
    int i = 0;
    for (double[] row : want) {
      for (double v : row) {
        error += Math.pow(got.data()[i++] - v, 2);
        norm += v * v;
      }
    }
    assertEquals(got.data().length, i, what + "'s size");
    assertTrue(norm > 1e-12, what + ": the reference gradient is zero");
    assertTrue(Math.sqrt(error) <= 1e-4 * Math.sqrt(norm) + 1e-6, what + ": error "
        + Math.sqrt(error) + " against a gradient of norm " + Math.sqrt(norm));
  }

  /**
   * The encoder's gradients (token embedding, query, first feed-forward weight) against central
   * differences of the model's own loss along each gradient, step 10⁻², within 2%.
   */
  @ParameterizedTest(name = "crf {0}")
  @ValueSource(booleans = {true, false})
  void encoderGradientsAreTheDerivativeOfTheLoss(boolean crf) {
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = create(crf, kernels)) {
      randomize(model, 13);
      Batch batch = Batch.withTokenLabels(TOKENS, SEGMENTS, tags(crf ? 4 : 3, 14));
      for (String name : List.of("embeddings.word_embeddings.weight",
          "encoder.layer.0.attention.self.query.weight",
          "encoder.layer.0.intermediate.dense.weight")) {
        model.computeGradients(batch);
        float[] g = model.gradient(name).data();
        FloatTensor theta = model.parameter(name);
        double norm = 0;
        for (float v : g) {
          norm += (double) v * v;
        }
        norm = Math.sqrt(norm);
        double h = 1e-2;
        double[] losses = new double[2];
        for (int side = 0; side < 2; side++) {
          float[] moved = theta.data().clone();
          for (int i = 0; i < moved.length; i++) {
            moved[i] += (float) ((side == 0 ? h : -h) * g[i] / norm);
          }
          model.setParameter(name, new FloatTensor(theta.shape(), moved));
          losses[side] = model.computeGradients(batch);
        }
        model.setParameter(name, theta);
        double numeric = (losses[0] - losses[1]) / (2 * h);
        assertEquals(norm, numeric, 2e-2 * norm, name + ": ‖g‖ against the loss's differences");
      }
    }
  }

  @Test
  void everyTokenNeedsATagInRangePaddingNone() {
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = create(true, kernels)) {
      int[][] tags = tags(4, 15);
      tags[2][0] = 99;
      model.computeGradients(Batch.withTokenLabels(TOKENS, SEGMENTS, tags));
      for (int bad : new int[] {-1, 4}) {
        int[][] wrong = tags(4, 15);
        wrong[2][3] = bad;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> model.computeGradients(Batch.withTokenLabels(TOKENS, SEGMENTS, wrong)));
        assertTrue(e.getMessage().contains("token label " + bad + " of sequence 2 at position 3 "
            + "is outside [0, 4): the CRF head needs a tag at every non-padding position"),
            e.getMessage());
      }
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> model.computeGradients(Batch.of(TOKENS, SEGMENTS)));
      assertTrue(e.getMessage().contains("needs a tag at every non-padding position: use "
          + "Batch.withTokenLabels"), e.getMessage());
    }
  }
}
