package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Position;
import bert4j.examples.model.Harness.Inputs;
import bert4j.runtime.Batch;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A generated model's loss and the gradient of every parameter ({@code computeGradients}, float32)
 * against {@link ReferenceBert} (double), for every spec of {@link TestModels} (each architecture of
 * the family with each mask it allows, each attention option, conditional layer norms, hierarchical
 * positions): ‖g − g_ref‖/‖g_ref‖ ≤ 1e-3 per tensor; where the reference gradient is exactly zero
 * (unused embedding rows, heads that reach no loss) the model's must be zero too; the key biases,
 * whose gradient is zero in exact arithmetic under a softmax without rotary positions, must be
 * rounding noise. The reference itself is checked against central differences of its own loss.
 */
class GradientsMatchReferenceTest {
  static final double RELATIVE_TOLERANCE = 1e-3;
  static final double LOSS_TOLERANCE = 1e-4;
  private static final int MAX_BATCH = 4;
  private static final int MAX_LENGTH = 12;

  @ParameterizedTest
  @EnumSource(TestModels.class)
  void lossAndEveryGradientMatchTheReference(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 21));
      compare(spec, model, reference, Harness.inputs(spec.config, 10, new int[] {10, 7, 5}, 22), "3×10");
      compare(spec, model, reference, Harness.inputs(spec.config, 12, new int[] {12, 12, 8, 3}, 23),
          "4×12");
    }
  }

  /**
   * A batch with query rows that see no key (a row of padding, padding before the text). Their
   * attention is uniform (zero under squared ReLU) whatever the logits, so no gradient may flow from
   * them into q and k.
   */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"NONE", "LM", "UNILM", "ALBERT_UNILM",
      "ALBERT_UNSHARED_LM", "ROFORMER_LM", "ROFORMER_UNILM", "ROFORMER_V2_UNILM", "ELECTRA", "GPT",
      "GPT2", "NEZHA_NONE", "NEZHA_LM", "NEZHA_UNILM", "SQUARED_RELU", "SOFTMAX_PLUS_UNILM",
      "TALKING_HEADS_LM", "GPT2_TALKING_HEADS", "RELATIVE_TALKING_SQUARED", "CONDITIONAL_GPT2",
      "HIERARCHICAL_UNILM"})
  void gradientsMatchWithQueriesThatSeeNoKey(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 24));
      Inputs in = Harness.noKeyInputs(spec.config);
      directionalDerivatives(spec, model, in, "no allowed key");
      compare(spec, model, reference, in, "no allowed key");
    }
  }

  /**
   * Softmax plus beyond 16 keys, where its scale log(max(n, 16))/log 512 differs between sequences:
   * 24, 20 and 9 keys in one batch of length 24.
   */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"SOFTMAX_PLUS_UNILM"})
  void softmaxPlusScalesByEachSequencesKeys(TestModels spec) {
    try (GeneratedTransformer model = spec.create(3, 24)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 29));
      compare(spec, model, reference, Harness.inputs(spec.config, 24, new int[] {24, 20, 9}, 30),
          "3×24");
    }
  }

  /**
   * Mask NONE with no position counted by the MLM loss: only the classifier trains, and the MLM head's
   * gradients are exactly zero.
   */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"NONE"})
  void classificationAloneWhenNoTokenIsLabelled(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 25));
      Inputs in = Harness.inputs(spec.config, 9, new int[] {9, 6, 4}, 26);
      for (int[] row : in.tokenLabels()) {
        Arrays.fill(row, -1);
      }
      compare(spec, model, reference, in, "no MLM target");
      for (String name : List.of("cls.predictions.bias", "cls.predictions.transform.dense.weight")) {
        assertTrue(Harness.allZero(model.gradient(name).data()), name + " reaches no loss here");
      }
    }
  }

  /**
   * Token classification with no labelled position: its loss counts nothing (0, not NaN), only the
   * sequence classifier trains, and the token classifier's gradients are exactly zero. Then every real
   * position labelled, and also a padding position, which counts like any other labelled position.
   */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"TOKEN_CLASSES"})
  void tokenClassificationWithNoneOrEveryPositionLabelled(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 33));
      Inputs in = Harness.inputs(spec.config, 9, new int[] {9, 6, 4}, 34);
      for (int[] row : in.tokenLabels()) {
        Arrays.fill(row, -1);
      }
      compare(spec, model, reference, in, "no token label");
      for (String name : List.of("token_classifier.weight", "token_classifier.bias")) {
        assertTrue(Harness.allZero(model.gradient(name).data()), name + " reaches no loss here");
      }
      int[] lengths = {9, 6, 4};
      for (int b = 0; b < lengths.length; b++) {
        for (int i = 0; i < 9; i++) {
          in.tokenLabels()[b][i] = i < lengths[b] ? (b + i) % spec.config.tokenClasses() : -1;
        }
      }
      compare(spec, model, reference, in, "all labelled");
      in.tokenLabels()[2][7] = 1;
      compare(spec, model, reference, in, "padding label");
    }
  }

  /**
   * Independent of the reference: the model's gradient is the derivative of the model's own loss. For a
   * few tensors, the directional derivative along the model's gradient g (unit direction d = g/‖g‖)
   * from central differences of {@code computeGradients}' loss, in float32 with a step of 1e-2, must
   * equal ‖g‖ within 2%.
   */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"NONE", "LM", "UNILM", "TOKEN_CLASSES",
      "ALBERT_NONE", "ROFORMER_UNILM", "ROFORMER_V2_LM", "ELECTRA", "GPT", "GPT2", "NEZHA_UNILM",
      "SQUARED_RELU", "SOFTMAX_PLUS_UNILM", "TALKING_HEADS_LM", "GPT2_TALKING_HEADS",
      "NO_ATTENTION_BIAS", "RELATIVE_TALKING_SQUARED", "CONDITIONAL_NONE", "CONDITIONAL_GPT2",
      "CONDITIONAL_ALBERT", "HIERARCHICAL_UNILM"})
  void modelGradientIsTheDerivativeOfItsOwnLoss(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      Harness.randomizeWeights(model, 27);
      Inputs in = Harness.inputs(spec.config, 10, new int[] {10, 7, 5}, 28);
      directionalDerivatives(spec, model, in, "3×10");
    }
  }

  static double directionalDerivatives(TestModels spec, GeneratedTransformer model, Inputs in,
      String what) {
    Batch batch = in.batch();
    double worst = 0;
    StringBuilder failures = new StringBuilder();
    for (String name : probed(spec.config)) {
      model.computeGradients(batch);
      float[] g = model.gradient(name).data();
      float[] theta = model.parameter(name).data();
      int[] shape = model.parameter(name).shape();
      double norm = 0;
      for (float v : g) {
        norm += (double) v * v;
      }
      norm = Math.sqrt(norm);
      double h = 1e-2;
      float[] moved = new float[theta.length];
      for (int i = 0; i < theta.length; i++) {
        moved[i] = (float) (theta[i] + h * g[i] / norm);
      }
      model.setParameter(name, new bert4j.runtime.FloatTensor(shape, moved));
      double plus = model.computeGradients(batch);
      for (int i = 0; i < theta.length; i++) {
        moved[i] = (float) (theta[i] - h * g[i] / norm);
      }
      model.setParameter(name, new bert4j.runtime.FloatTensor(shape, moved));
      double minus = model.computeGradients(batch);
      model.setParameter(name, new bert4j.runtime.FloatTensor(shape, theta));
      double numeric = (plus - minus) / (2 * h);
      double error = Math.abs(numeric - norm) / norm;
      worst = Math.max(worst, error);
      if (!(error <= 2e-2)) {
        failures.append("\n  ").append(name).append(": ‖g‖ = ").append(norm)
            .append(", central differences of the loss along g/‖g‖ = ").append(numeric);
      }
    }
    System.out.printf("[reftest] model-vs-FD %-22s %-14s worst relative error of directional"
        + " derivatives %.2e%n", spec, what, worst);
    assertTrue(failures.length() == 0, spec + " " + what + ":" + failures);
    return worst;
  }

  /**
   * The tensors whose directional derivative is checked: the token embedding and, of the layers
   * (ALBERT's shared one), the query or fused q/k/v weight and bias (where there is one), the key
   * weight, the first feed-forward weight, the talking-heads matrices (where there are), the
   * conditional norms' W_γ of the first layer's attention norm and W_β of the second's output norm
   * (where they are conditional) and the position table (where it is read hierarchically).
   */
  private static List<String> probed(ReferenceBert.Config c) {
    ReferenceNames.Layer n = ReferenceNames.layer(c.architecture());
    String first = ReferenceNames.layerPrefix(c.architecture(), 0);
    String second = ReferenceNames.layerPrefix(c.architecture(), 1);
    String query = second + (n.fusedQkv() != null ? n.fusedQkv() : n.query());
    List<String> names = new ArrayList<>(List.of(query + ".weight",
        first + (n.fusedQkv() != null ? n.fusedQkv() : n.key()) + ".weight",
        ReferenceNames.words(c.architecture()), first + n.intermediate() + ".weight"));
    if (c.attentionBiases()) {
      names.add(query + ".bias");
    }
    if (c.options().talkingHeads()) {
      names.add(first + n.talkingHeads() + "pre.weight");
      names.add(second + n.talkingHeads() + "post.weight");
    }
    if (c.conditionSize() > 0) {
      names.add(first + n.attentionNorm() + ReferenceNames.GAMMA_DENSE);
      names.add(second + n.outputNorm() + ReferenceNames.BETA_DENSE);
    }
    if (c.position() == Position.HIERARCHICAL) {
      names.add(ReferenceNames.positions(c.architecture()));
    }
    return names;
  }

  /** The reference's gradients against central differences of its own loss, 3 entries of every tensor. */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"NONE", "LM", "UNILM", "KEY_SIZE_4",
      "MLM_AND_CLS_SWISH", "GELU_TANH_EPS_NOSCALE", "TOKEN_CLASSES", "ALBERT_NONE", "ALBERT_LM",
      "ALBERT_UNILM", "ALBERT_UNSHARED_NONE", "ALBERT_UNSHARED_LM", "ALBERT_UNSHARED_UNILM",
      "ROFORMER_NONE", "ROFORMER_LM", "ROFORMER_UNILM", "ROFORMER_V2_NONE", "ROFORMER_V2_LM",
      "ROFORMER_V2_UNILM", "ELECTRA", "GPT", "GPT2", "NEZHA_NONE", "NEZHA_LM", "NEZHA_UNILM",
      "SQUARED_RELU", "SOFTMAX_PLUS_UNILM", "TALKING_HEADS_LM", "GPT2_TALKING_HEADS",
      "NO_ATTENTION_BIAS", "RELATIVE_TALKING_SQUARED", "POSITION_NONE", "CONDITIONAL_NONE",
      "CONDITIONAL_GPT2", "CONDITIONAL_ALBERT", "HIERARCHICAL_UNILM"})
  void referenceGradientsMatchFiniteDifferences(TestModels spec) {
    Random random = new Random(31);
    Map<String, double[]> weights = new LinkedHashMap<>();
    spec.config.parameterShapes().forEach((name, shape) ->
        weights.put(name, Harness.randomValues(name, shape, random)));
    ReferenceBert reference = new ReferenceBert(spec.config, weights);
    Inputs in = Harness.inputs(spec.config, 7, new int[] {7, 4}, 32);
    ReferenceBert.Result result = reference.train(in);
    double worst = 0;
    int checked = 0;
    String positions = ReferenceNames.positions(spec.config.architecture());
    for (String name : weights.keySet()) {
      double[] w = weights.get(name);
      double[] g = result.gradients().get(name);
      // the rows of positions 0..6 (all of them where the table is read hierarchically)
      int rowsInUse = name.equals(positions)
          ? Math.min(7 * spec.config.embeddingSize(), w.length) : w.length;
      for (int k = 0; k < 3; k++) {
        int e = random.nextInt(rowsInUse);
        double saved = w[e];
        double h = 1e-5;
        w[e] = saved + h;
        double plus = reference.loss(in);
        w[e] = saved - h;
        double minus = reference.loss(in);
        w[e] = saved;
        double numeric = (plus - minus) / (2 * h);
        double error = Math.abs(numeric - g[e]);
        worst = Math.max(worst, error / Math.max(Math.abs(numeric), 1e-3));
        assertTrue(error <= 1e-8 + 1e-5 * Math.abs(numeric), spec + " reference d loss / d " + name
            + "[" + e + "]: tape " + g[e] + ", finite differences " + numeric);
        checked++;
      }
    }
    System.out.printf("[reftest] reference-vs-FD %-22s %d entries, worst relative error %.2e%n", spec,
        checked, worst);
    assertTrue(checked >= 18, "spot-checked " + checked);
  }

  private static double norm(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  private static double norm(float[] a) {
    double s = 0;
    for (float v : a) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }

  static void compare(TestModels spec, GeneratedTransformer model, ReferenceBert reference,
      Inputs in, String what) {
    Batch batch = in.batch();
    float loss = model.computeGradients(batch);
    ReferenceBert.Result ref = reference.train(in);
    Map<String, float[]> grads = new LinkedHashMap<>();
    for (ParameterInfo p : model.parameters()) {
      grads.put(p.name(), model.gradient(p.name()).data());
    }
    double lossError = Math.abs(loss - ref.loss());
    double worst = 0;
    String worstName = "";
    int zero = 0;
    double keyBiasNoise = 0;
    StringBuilder failures = new StringBuilder();
    ReferenceBert.Config config = spec.config;
    Set<String> tables = Set.of(ReferenceNames.words(config.architecture()),
        ReferenceNames.positions(config.architecture()), ReferenceNames.SEGMENTS);
    for (ParameterInfo p : model.parameters()) {
      String name = p.name();
      float[] g = grads.get(name);
      double[] r = ref.gradients().get(name);
      if (name.endsWith(".key.bias") && config.keyBiasGradientVanishes()) {
        // d loss / d key bias is 0 in exact arithmetic: it adds q_i·b to every logit of row i, and
        // softmax is shift-invariant (not so with rotary positions, which turn b by each key's
        // position, nor under squared ReLU). Both gradients are rounding noise; check that they
        // are, against the key weight's gradient of the same layer.
        double scale = norm(ref.gradients().get(name.replace(".bias", ".weight")));
        double modelNorm = norm(g);
        double refNorm = norm(r);
        if (!(modelNorm <= 1e-5 * scale) || !(refNorm <= 1e-12 * scale)) {
          failures.append("\n  ").append(name).append(": should be rounding noise, norm ")
              .append(modelNorm).append(" (reference ").append(refNorm).append(") against ")
              .append(scale).append(" for the key weight");
        }
        keyBiasNoise = Math.max(keyBiasNoise, modelNorm / scale);
        continue;
      }
      if (Harness.allZero(r)) {
        zero++;
        if (!Harness.allZero(g)) {
          failures.append("\n  ").append(name).append(": reference gradient is exactly 0, model's is not");
        }
        continue;
      }
      double error = Harness.relativeError(g, r);
      if (!(error <= worst)) {
        worst = error;
        worstName = name;
      }
      if (!(error <= RELATIVE_TOLERANCE)) {
        failures.append("\n  ").append(name).append(": relative error ").append(error);
      }
      if (tables.contains(name)) {
        int width = p.shape()[1];
        for (int row = 0; row < p.shape()[0]; row++) {
          boolean refZero = true;
          boolean modelZero = true;
          for (int c = 0; c < width; c++) {
            refZero &= r[row * width + c] == 0;
            modelZero &= g[row * width + c] == 0;
          }
          if (refZero && !modelZero) {
            failures.append("\n  ").append(name).append(" row ").append(row)
                .append(": unused by the batch, yet the model's gradient is not 0");
          }
        }
      }
    }
    System.out.printf("[reftest] gradients %-22s %-14s loss %.6f (ref %.6f, |err| %.2e), worst relative"
        + " gradient error %.2e (%s), %d tensors, %d with zero reference gradient, key bias noise"
        + " %.1e%n", spec, what, loss, ref.loss(), lossError, worst, worstName, grads.size(), zero,
        keyBiasNoise);
    assertTrue(lossError <= LOSS_TOLERANCE * Math.max(1, Math.abs(ref.loss())),
        spec + " " + what + ": loss " + loss + ", reference " + ref.loss());
    assertTrue(failures.length() == 0, spec + " " + what + ":" + failures);

    // again: gradients are recomputed from zero, not accumulated across calls
    float again = model.computeGradients(batch);
    assertEquals(Float.floatToIntBits(loss), Float.floatToIntBits(again), "same loss twice");
    for (ParameterInfo p : model.parameters()) {
      assertArrayEquals(grads.get(p.name()), model.gradient(p.name()).data(),
          p.name() + ": the same gradient twice");
    }
  }
}
