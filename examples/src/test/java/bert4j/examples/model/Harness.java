package bert4j.examples.model;

import bert4j.dsl.Mask;
import bert4j.examples.model.ReferenceBert.Config;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.TransformerModel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Shared pieces of the reference tests: weights, inputs, error measures. */
final class Harness {
  private Harness() {}

  /**
   * A batch whose query rows include some that see no key: a row of padding only, and (for LM and
   * UNILM) padding before the text. Segment ids put a target segment after the source.
   */
  private static final int[][] NO_KEY_TOKENS = {
    {2, 9, 14, 33, 0, 0, 0, 0},
    {0, 0, 0, 0, 0, 0, 0, 0},
    {0, 0, 2, 17, 5, 41, 8, 0}};

  private static final int[][] NO_KEY_SEGMENTS = {
    {0, 0, 1, 1, 0, 0, 0, 0},
    {0, 0, 0, 0, 0, 0, 0, 0},
    {0, 0, 0, 0, 1, 1, 1, 0}};

  /** Per-token labels of {@link #NO_KEY_TOKENS}: four positions, −1 elsewhere. */
  private static final int[][] NO_KEY_TOKEN_LABELS = {
    {-1, 7, -1, 3, -1, -1, -1, -1},
    {-1, -1, -1, -1, -1, -1, -1, -1},
    {-1, -1, -1, 11, -1, 20, -1, -1}};

  /**
   * The batch of {@link #NO_KEY_TOKENS} for {@code config}: segments all 0 for a model without
   * segments; class labels where there is a classifier; per-token labels (for the masked LM, or taken
   * modulo the classes of a token classifier or the discriminator's 2) where a head reads them.
   */
  static Inputs noKeyInputs(Config config) {
    int perToken = config.discriminator() ? 2 : config.tokenClasses();
    boolean maskedLm = config.mlm() && config.mask() == Mask.NONE;
    int[][] tokenLabels = null;
    if (maskedLm || perToken > 0) {
      tokenLabels = new int[NO_KEY_TOKEN_LABELS.length][];
      for (int b = 0; b < tokenLabels.length; b++) {
        tokenLabels[b] = NO_KEY_TOKEN_LABELS[b].clone();
        for (int i = 0; i < tokenLabels[b].length; i++) {
          if (perToken > 0 && tokenLabels[b][i] >= 0) {
            tokenLabels[b][i] %= perToken;
          }
        }
      }
    }
    int[][] segments = config.segments() > 1 ? NO_KEY_SEGMENTS
        : new int[NO_KEY_SEGMENTS.length][NO_KEY_SEGMENTS[0].length];
    return new Inputs(NO_KEY_TOKENS, segments,
        config.classes() > 0 ? new int[] {0, 2 % config.classes(), 1} : null, tokenLabels,
        conditions(config, NO_KEY_TOKENS.length, 0xc0d1L));
  }

  /**
   * Initialises {@code model} from {@code seed}, then replaces every parameter by values large enough
   * that a wrong mask, bias or norm shows ({@link #randomValues}), and returns the parameters as the
   * model reports them, in double.
   */
  static Map<String, double[]> randomizeWeights(TransformerModel model, long seed) {
    model.initialize(seed);
    Random random = new Random(seed);
    for (ParameterInfo p : model.parameters()) {
      double[] values = randomValues(p.name(), p.shape(), random);
      float[] floats = new float[values.length];
      for (int i = 0; i < values.length; i++) {
        floats[i] = (float) values[i];
      }
      model.setParameter(p.name(), new FloatTensor(p.shape(), floats));
    }
    return weightsOf(model);
  }

  /**
   * Random values of the parameter {@code name} of shape {@code shape}: a norm's γ 1 + N(0, 0.1²), a
   * bias (β too) N(0, 0.1²), a talking-heads matrix I + N(0, 0.1²) (near the identity it starts
   * from: a matrix far from it mixes the heads into an ill-conditioned attention), a conditional
   * norm's W_γ and W_β N(0, 0.1²) (zero at initialisation, where the condition would not show;
   * small, so γ stays near 1), a weight N(0, 0.2²).
   */
  static double[] randomValues(String name, int[] shape, Random random) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    boolean talkingHeads = name.contains("talking_heads_");
    boolean conditionDense = name.endsWith(ReferenceNames.GAMMA_DENSE)
        || name.endsWith(ReferenceNames.BETA_DENSE);
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      double z = random.nextGaussian();
      values[i] = name.endsWith("bias") || conditionDense ? 0.1 * z
          : isNorm(name) ? 1 + 0.1 * z
          : talkingHeads ? (i % (shape[1] + 1) == 0 ? 1 : 0) + 0.1 * z
          : 0.2 * z;
    }
    return values;
  }

  /** Whether {@code name} is a layer norm's parameter, in any architecture's naming. */
  static boolean isNorm(String name) {
    return name.contains("LayerNorm") || name.contains("layer_norm")
        || name.matches("(.*\\.)?ln_(1|2|f)\\.(weight|bias)");
  }

  /** Every parameter of {@code model}, read back with {@link TransformerModel#parameter}, in double. */
  static Map<String, double[]> weightsOf(TransformerModel model) {
    Map<String, double[]> weights = new LinkedHashMap<>();
    for (ParameterInfo p : model.parameters()) {
      weights.put(p.name(), toDouble(model.parameter(p.name()).data()));
    }
    return weights;
  }

  static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  /**
   * Token and segment ids, with the labels of every head and, for a model with conditional layer
   * norms, one condition per sequence (null otherwise).
   */
  record Inputs(int[][] tokens, int[][] segments, int[] labels, int[][] tokenLabels,
      float[][] conditions) {
    /** Inputs without conditions. */
    Inputs(int[][] tokens, int[][] segments, int[] labels, int[][] tokenLabels) {
      this(tokens, segments, labels, tokenLabels, null);
    }

    /** The training batch: everything. */
    Batch batch() {
      return new Batch(tokens, segments, labels, tokenLabels, conditions);
    }

    /** The inference batch: tokens, segments and conditions, no labels. */
    Batch inferenceBatch() {
      return new Batch(tokens, segments, null, null, conditions);
    }

    /** These inputs without labels. */
    Inputs unlabelled() {
      return new Inputs(tokens, segments, null, null, conditions);
    }
  }

  /**
   * One condition of {@code config.conditionSize()} values N(0, 1) per sequence, from {@code seed};
   * null for a model without conditional layer norms.
   */
  static float[][] conditions(Config config, int batch, long seed) {
    if (config.conditionSize() == 0) {
      return null;
    }
    Random random = new Random(seed);
    float[][] conditions = new float[batch][config.conditionSize()];
    for (float[] c : conditions) {
      for (int i = 0; i < c.length; i++) {
        c[i] = (float) random.nextGaussian();
      }
    }
    return conditions;
  }

  /**
   * A batch of {@code lengths.length} rows of length {@code seq}: row b has {@code lengths[b]} real tokens
   * (ids in [1, vocab), [CLS] = 2 first) then padding (0). Segments: a pair, segment 0 then 1 over the
   * real tokens (for UNILM: source then target), padding in segment 0; all 0 for a model without
   * segments. Class labels in [0, classes);
   * MLM token labels on about a third of the real positions, −1 elsewhere; for a token-classification
   * head instead, labels in [0, tokenClasses) on about three quarters of the real positions, −1
   * elsewhere (drawn from a second stream, so the other inputs are those of a spec without the head);
   * for the discriminator likewise, replaced (1) or original (0). Conditions where the model takes
   * them ({@link #conditions}, from a third stream).
   */
  static Inputs inputs(Config config, int seq, int[] lengths, long seed) {
    Random random = new Random(seed);
    int batch = lengths.length;
    int[][] tokens = new int[batch][seq];
    int[][] segments = new int[batch][seq];
    int[][] tokenLabels = new int[batch][seq];
    int[] labels = new int[batch];
    for (int b = 0; b < batch; b++) {
      int length = lengths[b];
      int sourceEnd = Math.max(1, length / 2);
      for (int i = 0; i < seq; i++) {
        tokenLabels[b][i] = -1;
        if (i < length) {
          tokens[b][i] = i == 0 ? 2 : 1 + random.nextInt(config.vocab() - 1);
          segments[b][i] = i >= sourceEnd && config.segments() > 1 ? 1 : 0;
          if (random.nextInt(3) == 0) {
            tokenLabels[b][i] = 1 + random.nextInt(config.vocab() - 1);
          }
        }
      }
      labels[b] = config.classes() > 0 ? random.nextInt(config.classes()) : 0;
    }
    tokenLabels[0][1] = 5; // at least one counted position
    boolean maskedLm = config.mlm() && config.mask() == Mask.NONE;
    int perToken = config.discriminator() ? 2 : config.tokenClasses();
    if (perToken > 0) {
      if (maskedLm || config.discriminator() && config.tokenClasses() > 0) {
        throw new IllegalArgumentException("two heads read tokenLabels");
      }
      Random classes = new Random(seed ^ 0x70c1a55L);
      for (int b = 0; b < batch; b++) {
        for (int i = 0; i < seq; i++) {
          tokenLabels[b][i] = i < lengths[b] && classes.nextInt(4) != 0
              ? classes.nextInt(perToken) : -1;
        }
      }
      tokenLabels[0][1] = perToken - 1; // at least one counted position
    }
    return new Inputs(tokens, segments, config.classes() > 0 ? labels : null,
        maskedLm || perToken > 0 ? tokenLabels : null, conditions(config, batch, seed ^ 0xc0d1L));
  }

  /** max |actual − expected|, after checking the sizes agree. */
  static double maxAbsError(String what, FloatTensor actual, double[] expected) {
    if (actual == null || expected == null) {
      throw new AssertionError(what + ": " + (actual == null ? "model" : "reference") + " has no output");
    }
    float[] a = actual.data();
    if (a.length != expected.length) {
      throw new AssertionError(what + ": model has " + a.length + " values "
          + Arrays.toString(actual.shape()) + ", reference " + expected.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      double e = Math.abs(a[i] - expected[i]);
      if (!(e <= max)) {
        max = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
      }
    }
    return max;
  }

  /** ‖actual − expected‖ / ‖expected‖. */
  static double relativeError(float[] actual, double[] expected) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < expected.length; i++) {
      double d = actual[i] - expected[i];
      diff += d * d;
      norm += expected[i] * expected[i];
    }
    return Double.isNaN(diff) ? Double.POSITIVE_INFINITY : Math.sqrt(diff / norm);
  }

  /** Whether every value is exactly 0. */
  static boolean allZero(double[] values) {
    for (double v : values) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether every value is exactly 0. */
  static boolean allZero(float[] values) {
    for (float v : values) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }
}
