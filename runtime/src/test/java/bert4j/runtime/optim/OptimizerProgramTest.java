package bert4j.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.ParameterInfo;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compiled optimizer's description: schedule values, learning rates, argument checks, per-tensor
 * flags from name patterns, the state layout and its checkpoint names, and an allocation-free step.
 * (Its numbers against a reference are checked by the examples' FusedUpdateTest and
 * ModelOptimizerTest.)
 */
class OptimizerProgramTest {
  static final OptimizerProgram ADAM = OptimizerProgram.adam(1e-3, 0.9, 0.999, 1e-6, true);

  static List<ParameterInfo> parameters(Object... nameShape) {
    List<ParameterInfo> list = new ArrayList<>();
    long offset = 0;
    for (int i = 0; i < nameShape.length; i += 2) {
      ParameterInfo p = new ParameterInfo((String) nameShape[i], (int[]) nameShape[i + 1], offset);
      list.add(p);
      offset += p.size();
    }
    return list;
  }

  static final List<ParameterInfo> SMALL = parameters(
      "embeddings.word_embeddings.weight", new int[] {300, 32},
      "embeddings.LayerNorm.weight", new int[] {32},
      "encoder.layer.0.attention.self.query.weight", new int[] {32, 32},
      "encoder.layer.0.attention.self.query.bias", new int[] {32},
      "classifier.weight", new int[] {2, 32},
      "classifier.bias", new int[] {2});

  @Test
  void scheduleIsBert4kerasPiecewiseLinearFromZero() {
    OptimizerProgram p = ADAM.withSchedule(new long[] {1000, 2000}, new double[] {1, 0.1});
    assertEquals(0, p.scheduleMultiplier(0), 1e-15);
    assertEquals(0.5, p.scheduleMultiplier(500), 1e-15);
    assertEquals(1, p.scheduleMultiplier(1000), 1e-15);
    assertEquals(0.55, p.scheduleMultiplier(1500), 1e-12);
    assertEquals(0.1, p.scheduleMultiplier(2000), 1e-15);
    assertEquals(0.1, p.scheduleMultiplier(1_000_000), 1e-15);
    // update t uses the value at t − 1 updates done, as bert4keras evaluates it at `iterations`
    assertEquals(0, p.learningRate(1), 0);
    assertEquals(1e-3 * 0.5, p.learningRate(501), 1e-18);

    OptimizerProgram fromZero = ADAM.withSchedule(new long[] {0, 10}, new double[] {0.5, 1});
    assertEquals(0.5, fromZero.scheduleMultiplier(0), 0);
    assertEquals(0.75, fromZero.scheduleMultiplier(5), 1e-15);
    assertEquals(1, fromZero.scheduleMultiplier(11), 0);
    assertEquals(1, ADAM.scheduleMultiplier(123), 0);
  }

  @Test
  void adafactorRelativeStep() {
    OptimizerProgram scaled = OptimizerProgram.adafactor(1e-3, 0, Double.NaN, 1e-30, 1e-3, 1, true, true,
        128);
    assertEquals(0.01, scaled.learningRate(1), 0);
    assertEquals(0.01, scaled.learningRate(10_000), 1e-15);
    assertEquals(1 / Math.sqrt(40_000), scaled.learningRate(40_000), 1e-15);
    OptimizerProgram unscaled = OptimizerProgram.adafactor(1e-3, 0, Double.NaN, 1e-30, 1e-3, 1, false,
        true, 128);
    assertEquals(0.01 * 0.05, unscaled.learningRate(1), 1e-18);
    assertEquals(0, scaled.adafactorBeta2(1), 0);
    assertEquals(1 - Math.pow(10, -0.8), scaled.adafactorBeta2(10), 1e-15);
  }

  @Test
  void argumentsAreCheckedAsTheProcessorChecksThem() {
    assertThrows(IllegalArgumentException.class, () -> ADAM.withLookahead(5, 1.5));
    assertThrows(IllegalArgumentException.class, () -> ADAM.withLookahead(0, 0.5));
    assertThrows(IllegalArgumentException.class, () -> ADAM.withEma(1));
    assertThrows(IllegalArgumentException.class, () -> ADAM.withAccumulation(0));
    assertThrows(IllegalArgumentException.class,
        () -> ADAM.withSchedule(new long[] {10, 5}, new double[] {1, 1}));
    assertThrows(IllegalArgumentException.class, () -> ADAM.withWeightDecay(0.01, "[bias"));
    assertThrows(IllegalArgumentException.class, () -> ADAM.withLazy());
    assertThrows(IllegalArgumentException.class, () -> ADAM.withMultiplier("", 2));
    assertThrows(IllegalArgumentException.class, () -> ADAM.withClipNorm(0));
    assertThrows(IllegalArgumentException.class, () -> OptimizerProgram.sgd(0.1, 0, true));
    assertThrows(IllegalArgumentException.class, () -> OptimizerProgram.adam(0, 0.9, 0.999, 1e-6, true));
  }

  @Test
  void patternsResolveToPerTensorFlagsLikeBert4keras() {
    BoundOptimizer bound = ADAM.withWeightDecay(0.01, "LayerNorm", "bias$")
        .withLayerAdaptation("^embeddings")
        .withLazy("word_emb")
        .withMultiplier("classifier", 10).withMultiplier("weight", 0.5)
        .bind(SMALL);
    boolean[] decays = new boolean[SMALL.size()];
    for (int t = 0; t < SMALL.size(); t++) {
      decays[t] = bound.decays(t);
    }
    // regex search anywhere in the name
    assertEquals("[true, false, true, false, true, false]", Arrays.toString(decays));
    assertFalse(bound.adapts(0));
    assertTrue(bound.adapts(2));
    assertTrue(bound.lazy(0));
    assertFalse(bound.lazy(2));
    // plain substrings, product of every match
    assertEquals(0.5, bound.multiplier(0), 0);
    assertEquals(5, bound.multiplier(4), 0);
    assertEquals(10, bound.multiplier(5), 0);
    assertEquals(1, bound.multiplier(3), 0);
  }

  @Test
  void stateLayoutAndCheckpointNames() {
    BoundOptimizer adam = ADAM.withLookahead(5, 0.5).withEma(0.99).withAccumulation(2).bind(SMALL);
    int n = adam.size();
    for (StateRegion region : StateRegion.values()) {
      assertEquals(n, adam.regionFloats(region), region.toString());
    }
    List<String> names = adam.stateTensors().stream().map(StateTensor::name).toList();
    assertEquals(5 * SMALL.size(), names.size());
    assertTrue(names.contains("optimizer.m.embeddings.word_embeddings.weight"));
    assertTrue(names.contains("optimizer.v.classifier.bias"));
    assertTrue(names.contains("optimizer.slow.classifier.bias"));
    assertTrue(names.contains("optimizer.ema.classifier.bias"));
    assertTrue(names.contains("optimizer.accumulated.classifier.bias"));

    BoundOptimizer sgd = OptimizerProgram.sgd(0.1, 0, false).bind(SMALL);
    assertTrue(sgd.stateTensors().isEmpty());
    BoundOptimizer momentum = OptimizerProgram.sgd(0.1, 0.9, false).bind(SMALL);
    assertEquals("optimizer.velocity.embeddings.word_embeddings.weight",
        momentum.stateTensors().get(0).name());

    BoundOptimizer adafactor = OptimizerProgram.adafactor(1e-3, 0, Double.NaN, 1e-30, 1e-3, 1, true,
        false, 32).bind(SMALL);
    assertEquals(0, adafactor.regionFloats(StateRegion.M));
    assertTrue(adafactor.factored(0));
    assertTrue(adafactor.factored(2));
    assertFalse(adafactor.factored(4), "2 rows are fewer than factorMinDim");
    StateTensor row = adafactor.stateTensors().get(0);
    StateTensor col = adafactor.stateTensors().get(1);
    assertEquals("optimizer.v_row.embeddings.word_embeddings.weight", row.name());
    assertEquals("[300]", Arrays.toString(row.shape()));
    assertEquals("optimizer.v_col.embeddings.word_embeddings.weight", col.name());
    assertEquals(300, col.offset());
    assertEquals(300 + 32 + 32 + 32 + 32 + 32 + 64 + 2, adafactor.regionFloats(StateRegion.V));
  }

  @Test
  void describeIsCanonical() {
    OptimizerProgram a = ADAM.withEma(0.9).withWeightDecay(0.01, "bias");
    OptimizerProgram b = ADAM.withWeightDecay(0.01, "bias").withEma(0.9);
    assertEquals(a.describe(), b.describe());
    assertEquals("ADAM(lr=0.001, beta1=0.9, beta2=0.999, epsilon=1.0E-6, biasCorrection=true) "
        + "weightDecay(rate=0.01, exclude=[bias]) ema(momentum=0.9)", a.describe());
  }

  @Test
  void aStepOnTheCpuBackendAllocatesNothingAfterWarmUp() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    List<ParameterInfo> big = parameters("embeddings.word_embeddings.weight", new int[] {2000, 64},
        "encoder.layer.0.attention.self.query.weight", new int[] {256, 256},
        "encoder.layer.0.attention.self.query.bias", new int[] {256});
    BoundOptimizer bound = ADAM.withWeightDecay(0.01, "bias").withLayerAdaptation()
        .withSchedule(new long[] {10}, new double[] {1}).withAccumulation(2).withLookahead(3, 0.5)
        .withLazy("word").withEma(0.99).withClipNorm(1).withMultiplier("query", 2).bind(big);
    try (CpuKernels kernels = new CpuKernels(2)) {
      Memory params = kernels.allocate(bound.size());
      Memory grads = kernels.allocate(bound.size());
      Slice[] state = new Slice[StateRegion.COUNT];
      for (StateRegion region : StateRegion.values()) {
        if (bound.regionFloats(region) > 0) {
          state[region.ordinal()] = new Slice(kernels.allocate(bound.regionFloats(region)), 0);
        }
      }
      float[] values = new float[bound.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) Math.sin(i) * 0.01f;
      }
      kernels.write(values, 0, new Slice(params, 0), values.length);
      kernels.write(values, 0, new Slice(grads, 0), values.length);
      Slice p = new Slice(params, 0);
      Slice g = new Slice(grads, 0);
      long call = 0;
      for (int i = 0; i < 300; i++) {
        kernels.optimizerStep(bound, p, g, state, ++call);
      }
      List<Long> ids = new ArrayList<>();
      ids.add(Thread.currentThread().getId());
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith("bert4j-cpu-worker-") && t.isAlive()) {
          ids.add(t.getId());
        }
      }
      long before = 0;
      for (long id : ids) {
        before += Math.max(0, mx.getThreadAllocatedBytes(id));
      }
      int steps = 60;
      for (int i = 0; i < steps; i++) {
        kernels.optimizerStep(bound, p, g, state, ++call);
      }
      long after = 0;
      for (long id : ids) {
        after += Math.max(0, mx.getThreadAllocatedBytes(id));
      }
      long perStep = (after - before) / steps;
      System.out.println("OptimizerProgramTest: " + perStep + " bytes allocated per optimizer step");
      assertTrue(perStep < 200, perStep + " bytes allocated per optimizer step");
    }
  }
}
