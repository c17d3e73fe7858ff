package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.Harness.Inputs;
import bert4j.examples.model.ReferenceBert.Config;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.model.LossTarget;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A generated model's forward pass (float32, CPU backend) against {@link ReferenceBert} (double), on
 * padded batches, for every spec of {@link TestModels} (each architecture of the family with each mask
 * it allows, each attention option, conditional layer norms, hierarchical positions): sequence
 * output and every head's output within 1e-4.
 */
class ForwardMatchesReferenceTest {
  static final double TOLERANCE = 1e-4;
  private static final int MAX_BATCH = 4;
  private static final int MAX_LENGTH = 12;

  @ParameterizedTest
  @EnumSource(TestModels.class)
  void parametersHaveTheHuggingFaceNamesAndShapes(TestModels spec) {
    List<String> actual = new ArrayList<>();
    long offset = 0;
    for (ParameterInfo p : spec.layout.parameters()) {
      actual.add(p.name() + Arrays.toString(p.shape()));
      assertEquals(offset, p.offset(), p.name() + ": parameters are packed in order");
      offset += p.size();
    }
    List<String> expected = new ArrayList<>();
    spec.config.parameterShapes().forEach((n, s) -> expected.add(n + Arrays.toString(s)));
    assertEquals(expected.stream().sorted().toList(), actual.stream().sorted().toList());
    List<String> names = spec.layout.parameters().stream().map(ParameterInfo::name).toList();
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).endsWith("attention.self.query.weight")) {
        String layer = names.get(i).substring(0, names.get(i).length() - "query.weight".length());
        assertEquals(List.of(layer + "query.weight", layer + "key.weight", layer + "value.weight"),
            names.subList(i, i + 3), "q, k and v weights follow each other (one stacked product)");
      }
    }
    assertEquals(spec.config.architecture(), spec.layout.architecture());
    assertEquals(spec.config.vocab(), spec.layout.vocab());
    assertEquals(spec.config.conditionSize(), spec.layout.conditionSize());
    List<LossTarget> losses = new ArrayList<>();
    if (spec.config.mlm()) {
      LossTarget.Kind kind = switch (spec.config.mask()) {
        case NONE -> LossTarget.Kind.TOKEN_LABELS;
        case LM -> LossTarget.Kind.NEXT_TOKEN;
        case UNILM -> LossTarget.Kind.NEXT_TARGET_TOKEN;
      };
      losses.add(new LossTarget(kind, spec.config.vocab(), "the MLM head ("
          + (kind == LossTarget.Kind.TOKEN_LABELS ? "MASKED_LM" : kind) + ")"));
    }
    if (spec.config.classes() > 0) {
      losses.add(new LossTarget(LossTarget.Kind.SEQUENCE_LABELS, spec.config.classes(),
          "the classification head"));
    }
    if (spec.config.tokenClasses() > 0) {
      losses.add(new LossTarget(LossTarget.Kind.TOKEN_LABELS, spec.config.tokenClasses(),
          "the token-classification head"));
    }
    if (spec.config.discriminator()) {
      losses.add(new LossTarget(LossTarget.Kind.TOKEN_LABELS, 2, "the discriminator"));
    }
    assertEquals(losses, spec.layout.losses(), "the losses of the mask and heads");
  }

  @ParameterizedTest
  @EnumSource(TestModels.class)
  void outputsMatchTheReferenceOnPaddedBatches(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 11));
      // several shapes through one model: the arena is planned for 4 × 12 and used smaller
      compare(spec, model, reference, 10, new int[] {10, 7, 5}, 1);
      compare(spec, model, reference, 12, new int[] {12, 12, 9, 4}, 2);
      compare(spec, model, reference, 5, new int[] {5}, 3);
      compare(spec, model, reference, 3, new int[] {2, 3}, 4);
    }
  }

  @ParameterizedTest
  @EnumSource(TestModels.class)
  void outputsMatchTheReferenceAtInitialization(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      model.initialize(5);
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.weightsOf(model));
      compare(spec, model, reference, 9, new int[] {9, 6, 4}, 5);
    }
  }

  /**
   * Query rows with no allowed key (a row of padding only; for LM and UNILM, padding before the text,
   * which also moves the text's rotary positions): uniform attention over all keys, as bert4keras
   * (every logit masked to the same value); under squared ReLU, none.
   */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"NONE", "LM", "UNILM", "ALBERT_UNILM",
      "ALBERT_UNSHARED_LM", "ROFORMER_LM", "ROFORMER_UNILM", "ROFORMER_V2_UNILM", "ELECTRA", "GPT",
      "GPT2", "NEZHA_NONE", "NEZHA_LM", "NEZHA_UNILM", "SQUARED_RELU", "SOFTMAX_PLUS_UNILM",
      "TALKING_HEADS_LM", "GPT2_TALKING_HEADS", "RELATIVE_TALKING_SQUARED", "CONDITIONAL_GPT2",
      "HIERARCHICAL_UNILM"})
  void queriesWithNoAllowedKeyAttendUniformly(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 12));
      compare(spec, model, reference, Harness.noKeyInputs(spec.config).unlabelled(),
          "no allowed key");
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
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 16));
      compare(spec, model, reference, 24, new int[] {24, 20, 9}, 17);
    }
  }

  /**
   * Hierarchical positions at the longest sequence they allow, maxPosition² = 16, where p / n takes
   * every row of the table: 16, 13 and 6 tokens in one batch.
   */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"HIERARCHICAL_UNILM"})
  void hierarchicalPositionsUpToTheSquareOfTheTable(TestModels spec) {
    int longest = spec.config.maxPosition() * spec.config.maxPosition();
    try (GeneratedTransformer model = spec.create(3, longest)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 18));
      compare(spec, model, reference, longest, new int[] {longest, 13, 6}, 19);
    }
  }

  /** The same batch twice, with others between: bit-identical outputs (no state leaks between calls). */
  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"NONE", "UNILM"})
  void forwardIsRepeatable(TestModels spec) {
    try (GeneratedTransformer model = spec.create(MAX_BATCH, MAX_LENGTH)) {
      Harness.randomizeWeights(model, 13);
      Inputs a = Harness.inputs(spec.config, 8, new int[] {8, 5}, 14);
      Inputs b = Harness.inputs(spec.config, 12, new int[] {12, 11, 10, 9}, 15);
      Map<String, FloatTensor> first = model.forward(a.inferenceBatch()).asMap();
      model.forward(b.inferenceBatch());
      model.computeGradients(b.batch());
      Map<String, FloatTensor> again = model.forward(a.inferenceBatch()).asMap();
      assertEquals(first.keySet(), again.keySet());
      for (String name : first.keySet()) {
        assertArrayEquals(first.get(name).data(), again.get(name).data(), name);
      }
    }
  }

  private static void compare(TestModels spec, GeneratedTransformer model, ReferenceBert reference,
      int seq, int[] lengths, long seed) {
    compare(spec, model, reference, Harness.inputs(spec.config, seq, lengths, seed),
        lengths.length + "×" + seq);
  }

  static void compare(TestModels spec, GeneratedTransformer model, ReferenceBert reference,
      Inputs in, String what) {
    Config c = spec.config;
    int batch = in.tokens().length;
    int seq = in.tokens()[0].length;
    Outputs out = model.forward(in.inferenceBatch());
    ReferenceBert.Result ref = reference.forward(in);
    assertArrayEquals(new int[] {batch, seq, c.hidden()}, out.sequenceOutput().shape());
    double sequence = Harness.maxAbsError("sequence_output", out.sequenceOutput(), ref.sequenceOutput());
    double pooled = Double.NaN;
    double mlm = Double.NaN;
    double classes = Double.NaN;
    double tokenClasses = Double.NaN;
    double discriminator = Double.NaN;
    if (c.pooler()) {
      assertArrayEquals(new int[] {batch, c.hidden()}, out.pooledOutput().shape());
      pooled = Harness.maxAbsError("pooled_output", out.pooledOutput(), ref.pooledOutput());
    } else {
      assertNull(out.pooledOutput(), "no pooler, no pooled output");
    }
    if (c.mlm()) {
      assertArrayEquals(new int[] {batch, seq, c.vocab()}, out.mlmLogits().shape());
      mlm = Harness.maxAbsError("mlm_logits", out.mlmLogits(), ref.mlmLogits());
    } else {
      assertNull(out.mlmLogits(), "no MLM head, no MLM logits");
    }
    if (c.classes() > 0) {
      assertArrayEquals(new int[] {batch, c.classes()}, out.classLogits().shape());
      classes = Harness.maxAbsError("class_logits", out.classLogits(), ref.classLogits());
    } else {
      assertNull(out.classLogits());
    }
    if (c.tokenClasses() > 0) {
      assertArrayEquals(new int[] {batch, seq, c.tokenClasses()}, out.tokenClassLogits().shape());
      assertTrue(out.tokenClassLogits() == out.get("token_class_logits"), "by name and by accessor");
      tokenClasses = Harness.maxAbsError("token_class_logits", out.tokenClassLogits(),
          ref.tokenClassLogits());
    } else {
      assertNull(out.tokenClassLogits(), "no token-classification head, no token class logits");
    }
    if (c.discriminator()) {
      FloatTensor logits = out.get("discriminator_logits");
      assertArrayEquals(new int[] {batch, seq, 1}, logits.shape());
      discriminator = Harness.maxAbsError("discriminator_logits", logits, ref.discriminatorLogits());
    } else {
      assertFalse(out.names().contains("discriminator_logits"), "no discriminator, no its logits");
    }
    System.out.printf("[reftest] forward %-22s %-14s max abs error: sequence %.2e pooled %.2e"
        + " mlm %.2e class %.2e token class %.2e discriminator %.2e%n", spec, what, sequence, pooled,
        mlm, classes, tokenClasses, discriminator);
    String where = spec + " " + what + ": max abs error ";
    assertTrue(sequence <= TOLERANCE, where + "of sequence_output " + sequence);
    assertTrue(!(pooled > TOLERANCE), where + "of pooled_output " + pooled);
    assertTrue(!(mlm > TOLERANCE), where + "of mlm_logits " + mlm);
    assertTrue(!(classes > TOLERANCE), where + "of class_logits " + classes);
    assertTrue(!(tokenClasses > TOLERANCE), where + "of token_class_logits " + tokenClasses);
    assertTrue(!(discriminator > TOLERANCE), where + "of discriminator_logits " + discriminator);
  }
}
