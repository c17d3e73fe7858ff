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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The generated span heads ({@link TinySpans}: a GlobalPointer and an EfficientGlobalPointer)
 * against a naive double reference written here from the model's own sequence output and
 * parameters: the scores of both heads (dense layers, RoPE, q·k/√d, the efficient head's start/end
 * terms, padding and triangle masks), the loss (each head's multilabel categorical cross-entropy
 * summed over types, a mean over sequences, the heads added), every head parameter's gradient
 * against central differences of that reference, and an encoder gradient against differences of
 * the model's own loss; and the span targets' errors.
 */
class SpanHeadTest {
  /** Sequence 2 has padding at its start and in its middle; sequence 1 at its end. */
  private static final int[][] TOKENS = {{3, 7, 2, 9, 4}, {5, 1, 8, 0, 0}, {0, 6, 0, 2, 11}};
  private static final int[][] SEGMENTS = new int[3][5];
  private static final int SEQ = 5;
  private static final int HIDDEN = 8;
  private static final int SIZE = 4;
  private static final List<String> HEAD_PARAMETERS = List.of("span_heads.entity.dense.weight",
      "span_heads.entity.dense.bias", "span_heads.link.dense.weight", "span_heads.link.dense.bias",
      "span_heads.link.type_dense.weight", "span_heads.link.type_dense.bias");

  private static final Map<String, int[][][]> SPANS = Map.of(
      "entity", new int[][][] {{{0, 1, 2}, {1, 3, 3}}, {{1, 0, 2}}, {}},
      "link", new int[][][] {{{2, 3, 1}, {0, 1, 1}}, {}, {{1, 4, 1}, {2, 3, 4}}});

  private static Batch batch() {
    return Batch.of(TOKENS, SEGMENTS).withSpans(SPANS);
  }

  private static void randomize(TinySpansImpl model, long seed) {
    Random random = new Random(seed);
    for (ParameterInfo p : model.parameters()) {
      float[] values = new float[p.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (0.5 * random.nextGaussian());
      }
      model.setParameter(p.name(), new FloatTensor(p.shape(), values));
    }
  }

  /** The head parameters, by name, in double. */
  private static Map<String, double[]> headParameters(TinySpansImpl model) {
    Map<String, double[]> params = new HashMap<>();
    for (String name : HEAD_PARAMETERS) {
      float[] v = model.parameter(name).data();
      double[] d = new double[v.length];
      for (int i = 0; i < v.length; i++) {
        d[i] = v[i];
      }
      params.put(name, d);
    }
    return params;
  }

  /** out = W·x + b for a [out, in] W. */
  private static double[] dense(double[] w, double[] b, double[] x, int out) {
    int in = x.length;
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      y[o] = b[o];
      for (int c = 0; c < in; c++) {
        y[o] += w[o * in + c] * x[c];
      }
    }
    return y;
  }

  /** RoFormer's rotation of v[from, from + SIZE) at position p, in place. */
  private static void rope(double[] v, int from, int p) {
    for (int m = 0; m < SIZE / 2; m++) {
      double angle = p * Math.pow(10000, -2.0 * m / SIZE);
      double a = v[from + 2 * m];
      double b = v[from + 2 * m + 1];
      v[from + 2 * m] = a * Math.cos(angle) - b * Math.sin(angle);
      v[from + 2 * m + 1] = b * Math.cos(angle) + a * Math.sin(angle);
    }
  }

  /** Scores [batch][types][i][j] of one head from the sequence output x, the naive way. */
  static double[][][][] scores(double[][][] x, Map<String, double[]> p, boolean efficient) {
    int types = efficient ? 3 : 2;
    int grids = efficient ? 1 : types;
    String prefix = efficient ? "span_heads.link." : "span_heads.entity.";
    double[][][][] s = new double[TOKENS.length][types][SEQ][SEQ];
    for (int b = 0; b < TOKENS.length; b++) {
      double[][] qk = new double[SEQ][];
      double[][] bias = new double[SEQ][];
      for (int i = 0; i < SEQ; i++) {
        qk[i] = dense(p.get(prefix + "dense.weight"), p.get(prefix + "dense.bias"), x[b][i],
            2 * grids * SIZE);
        if (efficient) {
          bias[i] = dense(p.get(prefix + "type_dense.weight"), p.get(prefix + "type_dense.bias"),
              qk[i], 2 * types);
        }
        for (int g = 0; g < 2 * grids; g++) {
          rope(qk[i], g * SIZE, i);
        }
      }
      for (int t = 0; t < types; t++) {
        int q = (efficient ? 0 : t) * SIZE;
        int k = (grids + (efficient ? 0 : t)) * SIZE;
        for (int i = 0; i < SEQ; i++) {
          for (int j = 0; j < SEQ; j++) {
            if (TOKENS[b][i] == 0 || TOKENS[b][j] == 0 || !efficient && i > j) {
              s[b][t][i][j] = Kernels.MASKED_SPAN;
              continue;
            }
            double dot = 0;
            for (int d = 0; d < SIZE; d++) {
              dot += qk[i][q + d] * qk[j][k + d];
            }
            s[b][t][i][j] = dot / Math.sqrt(SIZE)
                + (efficient ? (bias[j][2 * t] + bias[i][2 * t + 1]) / 2 : 0);
          }
        }
      }
    }
    return s;
  }

  /** One head's loss: Σ over sequences and types of the multilabel cross-entropy, / sequences. */
  static double loss(double[][][][] s, int[][][] spans) {
    double total = 0;
    for (int b = 0; b < s.length; b++) {
      for (int t = 0; t < s[b].length; t++) {
        double neg = 1;
        double pos = 1;
        for (int i = 0; i < SEQ; i++) {
          for (int j = 0; j < SEQ; j++) {
            boolean target = false;
            for (int[] span : spans[b]) {
              target |= span[0] == t && span[1] == i && span[2] == j;
            }
            if (target) {
              pos += Math.exp(-s[b][t][i][j]);
            } else {
              neg += Math.exp(s[b][t][i][j]);
            }
          }
        }
        total += Math.log(neg) + Math.log(pos);
      }
    }
    return total / s.length;
  }

  static double totalLoss(double[][][] x, Map<String, double[]> p) {
    return loss(scores(x, p, false), SPANS.get("entity")) + loss(scores(x, p, true),
        SPANS.get("link"));
  }

  private static double[][][] sequenceOutput(Outputs outputs) {
    FloatTensor t = outputs.get("sequence_output");
    double[][][] x = new double[TOKENS.length][SEQ][HIDDEN];
    for (int b = 0; b < TOKENS.length; b++) {
      for (int i = 0; i < SEQ; i++) {
        for (int c = 0; c < HIDDEN; c++) {
          x[b][i][c] = t.get(b, i, c);
        }
      }
    }
    return x;
  }

  @Test
  void scoresLossAndHeadGradientsMatchTheNaiveReference() {
    try (Kernels kernels = Backend.cpu(); TinySpansImpl model = TinySpansImpl.create(kernels, 3, 5)) {
      randomize(model, 21);
      Outputs outputs = model.forward(batch());
      double[][][] x = sequenceOutput(outputs);
      Map<String, double[]> p = headParameters(model);
      for (boolean efficient : new boolean[] {false, true}) {
        FloatTensor got = outputs.get(efficient ? "link_scores" : "entity_scores");
        double[][][][] want = scores(x, p, efficient);
        assertEquals(List.of(3, efficient ? 3 : 2, SEQ, SEQ),
            Arrays.stream(got.shape()).boxed().toList());
        for (int b = 0; b < 3; b++) {
          for (int t = 0; t < want[b].length; t++) {
            for (int i = 0; i < SEQ; i++) {
              for (int j = 0; j < SEQ; j++) {
                assertEquals(want[b][t][i][j], got.get(b, t, i, j),
                    1e-5 * Math.max(1, Math.abs(want[b][t][i][j])),
                    (efficient ? "link" : "entity") + " score " + b + "," + t + "," + i + "," + j);
              }
            }
          }
        }
      }
      double loss = totalLoss(x, p);
      float modelLoss = model.computeGradients(batch());
      assertEquals(loss, modelLoss, 1e-5 * loss, "the loss: both heads, each a mean over sequences");
      for (String name : HEAD_PARAMETERS) {
        double[] theta = p.get(name);
        float[] g = model.gradient(name).data();
        double error = 0;
        double norm = 0;
        for (int i = 0; i < theta.length; i++) {
          double keep = theta[i];
          double h = 1e-6;
          theta[i] = keep + h;
          double up = totalLoss(x, p);
          theta[i] = keep - h;
          double down = totalLoss(x, p);
          theta[i] = keep;
          double want = (up - down) / (2 * h);
          error += (g[i] - want) * (g[i] - want);
          norm += want * want;
        }
        assertTrue(norm > 1e-12, name + ": the reference gradient is zero");
        assertTrue(Math.sqrt(error) <= 1e-4 * Math.sqrt(norm) + 1e-6, name + ": error "
            + Math.sqrt(error) + " against a gradient of norm " + Math.sqrt(norm));
      }
    }
  }

  /** The encoder's query weight: ‖g‖ against central differences of the model's loss along g. */
  @Test
  void anEncoderGradientIsTheDerivativeOfTheLoss() {
    try (Kernels kernels = Backend.cpu(); TinySpansImpl model = TinySpansImpl.create(kernels, 3, 5)) {
      randomize(model, 23);
      String name = "encoder.layer.0.attention.self.query.weight";
      model.computeGradients(batch());
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
        losses[side] = model.computeGradients(batch());
      }
      assertEquals(norm, (losses[0] - losses[1]) / (2 * h), 2e-2 * norm, name);
    }
  }

  /**
   * Missing spans, a padding end, a type out of range, and a span that ends before it starts for the
   * head that masks those ("entity", tril); "link" (tril = false) takes such spans ({2, 3, 1} in
   * {@link #SPANS}).
   */
  @Test
  void badSpanTargetsAreRejectedNamingThem() {
    try (Kernels kernels = Backend.cpu(); TinySpansImpl model = TinySpansImpl.create(kernels, 3, 5)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> model.trainStep(Batch.of(TOKENS, SEGMENTS).withSpans(
              Map.of("entity", SPANS.get("entity")))));
      assertTrue(e.getMessage().contains("span head \"link\"")
          && e.getMessage().contains("Batch.withSpans with the key \"link\""), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> model.trainStep(Batch.of(TOKENS, SEGMENTS).withSpans(Map.of("entity",
              new int[][][] {{}, {{0, 1, 3}}, {}}, "link", SPANS.get("link")))));
      assertTrue(e.getMessage().contains("span 0 of sequence 1 for the span head \"entity\" has end"
          + " 3, a padding position"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> model.trainStep(Batch.of(TOKENS, SEGMENTS).withSpans(Map.of("entity",
              SPANS.get("entity"), "link", new int[][][] {{{3, 0, 1}}, {}, {}}))));
      assertTrue(e.getMessage().contains("has type 3 outside [0, 3)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> model.trainStep(Batch.of(TOKENS, SEGMENTS).withSpans(Map.of("entity",
              new int[][][] {{{0, 3, 1}}, {}, {}}, "link", SPANS.get("link")))));
      assertTrue(e.getMessage().contains("span 0 of sequence 0 for the span head \"entity\" ends at"
          + " 1 before it starts at 3: this head masks such spans (tril = true)"), e.getMessage());
    }
  }

  /**
   * As bert4keras's GlobalPointer: the heads' dense weights start from LeCun's normal (standard
   * deviation 1/√hidden for {@code dense}, 1/√(2·headSize) for {@code type_dense}), the encoder's
   * from the initializer range of 0.02, biases at zero.
   */
  @Test
  void spanHeadDenseLayersStartFromLecunNormal() {
    try (Kernels kernels = Backend.cpu(); TinySpansImpl model = TinySpansImpl.create(kernels, 3, 5)) {
      model.initialize(5);
      Map<String, Double> expected = Map.of(
          "span_heads.entity.dense.weight", 1 / Math.sqrt(HIDDEN),
          "span_heads.link.dense.weight", 1 / Math.sqrt(HIDDEN),
          "span_heads.link.type_dense.weight", 1 / Math.sqrt(2 * SIZE),
          "encoder.layer.0.attention.self.query.weight", 0.02);
      expected.forEach((name, std) -> {
        float[] w = model.parameter(name).data();
        double sum = 0;
        for (float v : w) {
          sum += (double) v * v;
        }
        double measured = Math.sqrt(sum / w.length);
        assertEquals(std, measured, 0.25 * std, name + ": standard deviation " + measured);
      });
      for (String bias : List.of("span_heads.entity.dense.bias", "span_heads.link.type_dense.bias")) {
        for (float v : model.parameter(bias).data()) {
          assertEquals(0f, v, bias);
        }
      }
    }
  }
}
