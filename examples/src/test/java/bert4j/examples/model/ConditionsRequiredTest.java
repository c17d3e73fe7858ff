package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import bert4j.examples.model.Harness.Inputs;
import bert4j.runtime.Batch;
import bert4j.runtime.model.GeneratedTransformer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A model with conditional layer norms has no output without its conditions: a batch without them,
 * or with too few, is an IllegalArgumentException that names what the model takes, in inference and
 * in training; and the refused batches leave nothing behind (the next good batch matches the
 * reference).
 */
class ConditionsRequiredTest {

  @ParameterizedTest
  @EnumSource(value = TestModels.class, names = {"CONDITIONAL_NONE", "CONDITIONAL_GPT2",
      "CONDITIONAL_ALBERT"})
  void aBatchWithoutItsConditionsIsRefused(TestModels spec) {
    try (GeneratedTransformer model = spec.create(2, 8)) {
      ReferenceBert reference = new ReferenceBert(spec.config, Harness.randomizeWeights(model, 51));
      Inputs in = Harness.inputs(spec.config, 8, new int[] {8, 5}, 52);
      String needs = spec.layout.specName() + " has conditional layer norms: the batch needs one"
          + " condition of " + spec.config.conditionSize() + " floats per sequence"
          + " (Batch.withConditions), got ";
      Batch bare = new Batch(in.tokens(), in.segments(), in.labels(), in.tokenLabels());
      assertEquals(needs + "none", assertThrows(IllegalArgumentException.class,
          () -> model.forward(Batch.of(in.tokens(), in.segments()))).getMessage());
      assertEquals(needs + "none", assertThrows(IllegalArgumentException.class,
          () -> model.computeGradients(bare)).getMessage());
      assertEquals(needs + "1 for 2 sequences", assertThrows(IllegalArgumentException.class,
          () -> model.computeGradients(bare.withConditions(new float[][] {in.conditions()[0]})))
          .getMessage());
      ForwardMatchesReferenceTest.compare(spec, model, reference, in.unlabelled(),
          "after refusals");
    }
  }
}
