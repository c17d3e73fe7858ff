package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.Harness.Inputs;
import bert4j.examples.model.specs.RefNoneImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.NonFiniteException;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.model.GeneratedTransformer;
import bert4j.runtime.optim.StateTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A NaN or ±∞ in training stops the step before the optimizer update: the step throws a
 * {@link NonFiniteException} naming the step and a tensor, every parameter and every optimizer
 * moment is bit for bit as before, and training goes on once the cause is repaired.
 */
class NonFiniteTrainingTest {
  private static final String POISONED = "encoder.layer.1.intermediate.dense.weight";

  private GeneratedTransformer model;
  private Batch batch;

  @BeforeEach
  void trainThreeSteps() {
    model = RefNoneImpl.create(Backend.cpu(), 4, 8);
    Harness.randomizeWeights(model, 5);
    Inputs in = Harness.inputs(TestModels.NONE.config, 8, new int[] {8, 6, 5, 8}, 11);
    batch = new Batch(in.tokens(), in.segments(), new int[] {1, 2, 1, 2}, in.tokenLabels());
    for (int i = 0; i < 3; i++) {
      model.trainStep(batch);
    }
  }

  @AfterEach
  void close() {
    model.close();
  }

  /** The bits of every parameter and every optimizer state tensor, by name. */
  private Map<String, int[]> everything() {
    Map<String, int[]> all = new LinkedHashMap<>();
    for (ParameterInfo p : model.parameters()) {
      all.put(p.name(), bits(model.parameter(p.name())));
    }
    for (StateTensor t : model.optimizer().stateTensors()) {
      all.put(t.name(), bits(model.optimizerState(t.name())));
    }
    return all;
  }

  private static int[] bits(FloatTensor t) {
    float[] data = t.data();
    int[] bits = new int[data.length];
    for (int i = 0; i < data.length; i++) {
      bits[i] = Float.floatToRawIntBits(data[i]);
    }
    return bits;
  }

  private void assertUnchanged(Map<String, int[]> before) {
    Map<String, int[]> after = everything();
    for (Map.Entry<String, int[]> e : before.entrySet()) {
      assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " changed");
    }
    assertEquals(3, model.trainingSteps());
    assertEquals(3, model.updates());
  }

  private int nonFiniteWeights() {
    int count = 0;
    for (ParameterInfo p : model.parameters()) {
      for (float v : model.parameter(p.name()).data()) {
        count += Float.isFinite(v) ? 0 : 1;
      }
    }
    return count;
  }

  private static void assertMentions(Throwable e, String... fragments) {
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
    }
  }

  @Test
  void aNanWeightStopsTheStepBeforeTheUpdate() {
    FloatTensor good = model.parameter(POISONED);
    float[] poisoned = good.data().clone();
    poisoned[7 * 32 + 3] = Float.NaN;
    model.setParameter(POISONED, new FloatTensor(good.shape(), poisoned));
    Map<String, int[]> before = everything();

    NonFiniteException e = assertThrows(NonFiniteException.class, () -> model.trainStep(batch));
    assertEquals(4, e.step());
    assertTrue(model.parameters().stream().anyMatch(p -> p.name().equals(e.tensor())), e.tensor());
    assertMentions(e, "training step 4", "the first non-finite gradient is " + e.tensor() + "[",
        "the loss is NaN", "the parameter " + POISONED + "[7, 3] = NaN is itself non-finite",
        "No update was applied");
    assertUnchanged(before);
    assertEquals(1, nonFiniteWeights(), "the NaN weight stays the only non-finite one");

    NonFiniteException again = assertThrows(NonFiniteException.class,
        () -> model.computeGradients(batch));
    assertEquals(4, again.step());
    assertUnchanged(before);

    model.setParameter(POISONED, good);
    assertTrue(Float.isFinite(model.trainStep(batch)));
    assertEquals(4, model.trainingSteps());
    assertEquals(0, nonFiniteWeights());
  }

  @Test
  void anOverflowingLossWithFiniteGradientsIsNamedTheLoss() {
    FloatTensor bias = model.parameter("classifier.bias");
    model.setParameter("classifier.bias", new FloatTensor(bias.shape(), new float[] {3e38f,
        -3e38f, -3e38f}));
    Map<String, int[]> before = everything();

    NonFiniteException e = assertThrows(NonFiniteException.class, () -> model.trainStep(batch));
    assertEquals(4, e.step());
    assertEquals("loss", e.tensor());
    assertMentions(e, "training step 4", "the loss is Infinity", "No update was applied");
    assertUnchanged(before);
    assertEquals(0, nonFiniteWeights());
  }
}
