package bert4j.examples.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import bert4j.runtime.optim.StateTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated optimizer of tiny models (one per base and per extension, and one with every
 * extension) against {@link ReferenceOptimizer}: 30 training steps on the CPU backend, the reference
 * taking the model's own gradients of each step and applying the bert4keras rules in double precision.
 * Also: lazy rows stay bit-identical, EMA swaps in and out exactly, and a saved run resumes bit for bit.
 */
class ModelOptimizerTest {
  static final int STEPS = 30;
  static final double TOLERANCE = 1e-5;
  static final int BATCH = 4;
  static final int LENGTH = 8;
  /** Token ids in batches are below this: rows at and above it never get a gradient. */
  static final int USED_VOCAB = 20;

  static Kernels kernels;

  @BeforeAll
  static void open() {
    kernels = Backend.cpu();
  }

  @AfterAll
  static void close() {
    kernels.close();
  }

  record Case(String name, BiFunction<Kernels, Integer, GeneratedTransformer> model,
      Consumer<ReferenceOptimizer> reference) {
    @Override
    public String toString() {
      return name;
    }

    GeneratedTransformer create() {
      GeneratedTransformer m = model.apply(kernels, BATCH);
      m.initialize(7);
      m.seedDropout(11);
      return m;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        new Case("adam", (k, b) -> AdamModelImpl.create(k, b, LENGTH), r -> {}),
        new Case("adam without bias correction", (k, b) -> AdamNoCorrectionModelImpl.create(k, b, LENGTH),
            r -> {
              r.lr = 2e-3;
              r.beta1 = 0.8;
              r.beta2 = 0.99;
              r.biasCorrection = false;
            }),
        new Case("sgd", (k, b) -> SgdModelImpl.create(k, b, LENGTH), r -> {
          r.base = ReferenceOptimizer.Base.SGD;
          r.lr = 0.1;
        }),
        new Case("sgd nesterov", (k, b) -> NesterovModelImpl.create(k, b, LENGTH), r -> {
          r.base = ReferenceOptimizer.Base.SGD;
          r.lr = 0.05;
          r.momentum = 0.9;
          r.nesterov = true;
        }),
        new Case("lion", (k, b) -> LionModelImpl.create(k, b, LENGTH), r -> {
          r.base = ReferenceOptimizer.Base.LION;
          r.lr = 1e-4;
          r.beta1 = 0.9;
          r.beta2 = 0.99;
        }),
        new Case("adafactor", (k, b) -> AdafactorModelImpl.create(k, b, LENGTH), r -> {
          r.base = ReferenceOptimizer.Base.ADAFACTOR;
          r.beta1 = 0.9;
          r.beta2Schedule = true;
          r.factorMinDim = 16;
          r.relativeStep = true;
          r.excludeFromParameterScale = List.of("bias");
        }),
        new Case("weight decay", (k, b) -> WeightDecayModelImpl.create(k, b, LENGTH), r -> {
          r.weightDecay = 0.1;
          r.weightDecayExclude = List.of("LayerNorm", "bias");
        }),
        new Case("layer adaptation", (k, b) -> LayerAdaptationModelImpl.create(k, b, LENGTH),
            r -> r.layerAdaptationExclude = List.of("LayerNorm", "bias$")),
        new Case("schedule", (k, b) -> ScheduleModelImpl.create(k, b, LENGTH), r -> {
          r.scheduleSteps = new long[] {10, 20};
          r.scheduleValues = new double[] {1, 0.1};
        }),
        new Case("accumulation", (k, b) -> AccumulationModelImpl.create(k, b, LENGTH),
            r -> r.accumulation = 3),
        new Case("lookahead", (k, b) -> LookaheadModelImpl.create(k, b, LENGTH), r -> {
          r.lookaheadSteps = 4;
          r.lookaheadAlpha = 0.5;
        }),
        new Case("lazy", (k, b) -> LazyModelImpl.create(k, b, LENGTH),
            r -> r.lazyInclude = List.of("word_embeddings")),
        new Case("ema", (k, b) -> EmaModelImpl.create(k, b, LENGTH), r -> r.emaMomentum = 0.9),
        new Case("multipliers", (k, b) -> MultipliersModelImpl.create(k, b, LENGTH), r -> {
          r.multipliers.put("classifier", 10.0);
          r.multipliers.put("weight", 0.5);
        }),
        new Case("clip norm", (k, b) -> ClipNormModelImpl.create(k, b, LENGTH), r -> r.clipNorm = 0.05),
        new Case("all extensions", (k, b) -> AllExtensionsModelImpl.create(k, b, LENGTH),
            ModelOptimizerTest::allExtensions))
        .map(Arguments::of);
  }

  static void allExtensions(ReferenceOptimizer r) {
    r.weightDecay = 0.01;
    r.weightDecayExclude = List.of("LayerNorm", "bias");
    r.layerAdaptationExclude = List.of("LayerNorm");
    r.scheduleSteps = new long[] {3, 12};
    r.scheduleValues = new double[] {1, 0.2};
    r.accumulation = 2;
    r.lookaheadSteps = 3;
    r.lookaheadAlpha = 0.6;
    r.lazyInclude = List.of("word_embeddings");
    r.emaMomentum = 0.8;
    r.multipliers.put("classifier", 3.0);
    r.clipNorm = 0.5;
  }

  /** Batch {@code step}: random tokens below {@link #USED_VOCAB}, some padding, random labels. */
  static Batch batch(int step) {
    SplittableRandom random = new SplittableRandom(500 + step);
    int[][] tokens = new int[BATCH][LENGTH];
    int[][] segments = new int[BATCH][LENGTH];
    int[] labels = new int[BATCH];
    for (int b = 0; b < BATCH; b++) {
      int length = 3 + random.nextInt(LENGTH - 2);
      for (int i = 0; i < length; i++) {
        tokens[b][i] = 1 + random.nextInt(USED_VOCAB - 1);
        segments[b][i] = i >= length / 2 ? 1 : 0;
      }
      labels[b] = random.nextInt(2);
    }
    return Batch.withLabels(tokens, segments, labels);
  }

  static ReferenceOptimizer reference(Case c, GeneratedTransformer model) {
    ReferenceOptimizer reference = new ReferenceOptimizer();
    c.reference().accept(reference);
    for (ParameterInfo p : model.parameters()) {
      reference.addParameter(p.name(), p.shape(), model.parameter(p.name()).data());
    }
    return reference;
  }

  static Map<String, float[]> gradients(GeneratedTransformer model) {
    Map<String, float[]> grads = new LinkedHashMap<>();
    for (ParameterInfo p : model.parameters()) {
      grads.put(p.name(), model.gradient(p.name()).data());
    }
    return grads;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void thirtyStepsMatchTheReference(Case c) {
    try (GeneratedTransformer model = c.create()) {
      ReferenceOptimizer reference = reference(c, model);
      for (int step = 1; step <= STEPS; step++) {
        float loss = model.trainStep(batch(step));
        assertTrue(Float.isFinite(loss));
        reference.step(gradients(model));
        assertEquals(reference.updates, model.updates());
        assertEquals(reference.lastLr, model.lastLearningRate(), 1e-12 * reference.lastLr,
            "learning rate of step " + step);
      }
      // all parameters as one vector; and each tensor against max(‖θ‖, lr·√n), one update's size,
      // because a tensor whose values happen to cross zero has no meaningful relative error
      double diff = 0;
      double norm = 0;
      double worst = 0;
      String worstName = "";
      for (ParameterInfo p : model.parameters()) {
        float[] actual = model.parameter(p.name()).data();
        double[] expected = reference.theta.get(p.name());
        double d = 0;
        double n = 0;
        for (int i = 0; i < actual.length; i++) {
          d += (actual[i] - expected[i]) * (actual[i] - expected[i]);
          n += expected[i] * expected[i];
        }
        diff += d;
        norm += n;
        double error = Math.sqrt(d) / Math.max(Math.sqrt(n), reference.lr * Math.sqrt(actual.length));
        if (error > worst) {
          worst = error;
          worstName = p.name();
        }
      }
      double global = Math.sqrt(diff / norm);
      System.out.printf("model %-30s 30 steps: relative error of the parameters %.2e, worst tensor "
          + "%.2e (%s)%n", c.name(), global, worst, worstName);
      assertTrue(global <= TOLERANCE, c.name() + ": relative error " + global);
      assertTrue(worst <= TOLERANCE, c.name() + ": relative error " + worst + " in " + worstName);
    }
  }

  @Test
  void lazyRowsOfTheTokenEmbeddingStayBitIdentical() {
    String table = "embeddings.word_embeddings.weight";
    try (GeneratedTransformer model = LazyModelImpl.create(kernels, BATCH, LENGTH)) {
      model.initialize(3);
      float[] classifier = model.parameter("classifier.weight").data();
      for (int step = 1; step <= 6; step++) {
        Batch batch = batch(step);
        boolean[] present = new boolean[30];
        for (int[] row : batch.tokenIds()) {
          for (int id : row) {
            present[id] = id != 0;   // 0 is padding: its embedding gets no gradient
          }
        }
        FloatTensor before = model.parameter(table);
        FloatTensor mBefore = model.optimizerState("optimizer.m." + table);
        FloatTensor vBefore = model.optimizerState("optimizer.v." + table);
        model.trainStep(batch);
        FloatTensor after = model.parameter(table);
        FloatTensor mAfter = model.optimizerState("optimizer.m." + table);
        FloatTensor vAfter = model.optimizerState("optimizer.v." + table);
        int width = before.shape()[1];
        int absent = 0;
        for (int row = 0; row < present.length; row++) {
          boolean moved = false;
          for (int j = 0; j < width; j++) {
            int i = row * width + j;
            if (!present[row]) {
              assertEquals(Float.floatToRawIntBits(before.data()[i]), Float.floatToRawIntBits(after.data()[i]),
                  "row " + row + " is not in the batch and must not move");
              assertEquals(Float.floatToRawIntBits(mBefore.data()[i]), Float.floatToRawIntBits(mAfter.data()[i]));
              assertEquals(Float.floatToRawIntBits(vBefore.data()[i]), Float.floatToRawIntBits(vAfter.data()[i]));
            } else {
              moved |= before.data()[i] != after.data()[i];
            }
          }
          if (present[row]) {
            assertTrue(moved, "row " + row + " is in the batch and must move");
          } else {
            absent++;
          }
        }
        assertTrue(absent >= 30 - USED_VOCAB, "the batch leaves rows out");
      }
      // tensors that are not lazy move as usual
      assertTrue(!java.util.Arrays.equals(classifier, model.parameter("classifier.weight").data()));
    }
  }

  @Test
  void emaSwapsInTheReferenceAverageAndRestoresExactly() {
    Case c = new Case("ema", (k, b) -> EmaModelImpl.create(k, b, LENGTH), r -> r.emaMomentum = 0.9);
    try (GeneratedTransformer model = c.create()) {
      assertThrows(IllegalStateException.class, model::applyEma, "nothing to average yet");
      ReferenceOptimizer reference = reference(c, model);
      for (int step = 1; step <= STEPS; step++) {
        model.trainStep(batch(step));
        reference.step(gradients(model));
      }
      Map<String, float[]> trained = new LinkedHashMap<>();
      for (ParameterInfo p : model.parameters()) {
        trained.put(p.name(), model.parameter(p.name()).data());
      }
      model.applyEma();
      assertTrue(model.emaApplied());
      assertThrows(IllegalStateException.class, () -> model.trainStep(batch(1)));
      double worst = 0;
      for (ParameterInfo p : model.parameters()) {
        worst = Math.max(worst, RelativeError.of(model.parameter(p.name()).data(),
            reference.emaWeights(p.name())));
      }
      System.out.printf("model ema: applied average vs reference, max relative error %.2e%n", worst);
      assertTrue(worst <= TOLERANCE, "ema weights: relative error " + worst);
      model.forward(batch(1));
      model.restore();
      for (ParameterInfo p : model.parameters()) {
        assertArrayEquals(trained.get(p.name()), model.parameter(p.name()).data(),
            p.name() + " must be restored bit for bit");
      }
      model.trainStep(batch(31));
    }
  }

  @Test
  void aRunResumedFromASaveIsBitIdentical(@TempDir Path dir) throws Exception {
    for (int first : new int[] {10, 7}) {
      try (GeneratedTransformer straight = AllExtensionsModelImpl.create(kernels, BATCH, LENGTH);
          GeneratedTransformer before = AllExtensionsModelImpl.create(kernels, BATCH, LENGTH);
          GeneratedTransformer after = AllExtensionsModelImpl.create(kernels, BATCH, LENGTH)) {
        straight.initialize(5);
        before.initialize(5);
        after.initialize(99);
        after.seedDropout(12345);
        for (int step = 1; step <= 20; step++) {
          straight.trainStep(batch(step));
        }
        for (int step = 1; step <= first; step++) {
          before.trainStep(batch(step));
        }
        Path file = dir.resolve("resume-" + first + ".safetensors");
        before.save(file);
        after.load(file);
        assertEquals(first, after.trainingSteps());
        assertEquals(before.lastLearningRate(), after.lastLearningRate());
        for (int step = first + 1; step <= 20; step++) {
          after.trainStep(batch(step));
        }
        assertEquals(20, after.trainingSteps());
        assertEquals(straight.lastLearningRate(), after.lastLearningRate());
        for (ParameterInfo p : straight.parameters()) {
          assertArrayEquals(straight.parameter(p.name()).data(), after.parameter(p.name()).data(),
              p.name() + " after " + first + " + " + (20 - first) + " steps");
        }
        for (StateTensor t : straight.optimizer().stateTensors()) {
          assertArrayEquals(straight.optimizerState(t.name()).data(),
              after.optimizerState(t.name()).data(), t.name());
        }
        straight.applyEma();
        after.applyEma();
        for (ParameterInfo p : straight.parameters()) {
          assertArrayEquals(straight.parameter(p.name()).data(), after.parameter(p.name()).data());
        }
        assertTrue(Files.size(file) > 0);
      }
    }
  }

  @Test
  void savedStateNamesAreDocumented(@TempDir Path dir) throws Exception {
    try (GeneratedTransformer model = AllExtensionsModelImpl.create(kernels, BATCH, LENGTH)) {
      model.trainStep(batch(1));
      Path file = dir.resolve("state.safetensors");
      model.save(file);
      try (var reader = bert4j.runtime.io.SafeTensorsReader.open(file)) {
        for (String slot : new String[] {"m", "v", "slow", "ema", "accumulated"}) {
          assertTrue(reader.contains("optimizer." + slot + ".embeddings.word_embeddings.weight"), slot);
        }
        assertEquals("1", reader.metadata().get("bert4j.optimizer.steps"));
        assertEquals("0", reader.metadata().get("bert4j.optimizer.updates"));
        assertEquals(model.optimizer().program().describe(), reader.metadata().get("bert4j.optimizer"));
      }
    }
  }

  @Test
  void loadingPlainWeightsStartsAFreshOptimizer(@TempDir Path dir) throws Exception {
    try (GeneratedTransformer trained = AdamModelImpl.create(kernels, BATCH, LENGTH);
        GeneratedTransformer other = SgdModelImpl.create(kernels, BATCH, LENGTH)) {
      trained.trainStep(batch(1));
      trained.trainStep(batch(2));
      Path file = dir.resolve("adam.safetensors");
      trained.save(file);
      other.trainStep(batch(1));
      other.load(file);   // Adam's state does not fit SGD: weights only
      assertEquals(0, other.trainingSteps());
      assertEquals(0.0, other.lastLearningRate());
      for (ParameterInfo p : trained.parameters()) {
        assertArrayEquals(trained.parameter(p.name()).data(), other.parameter(p.name()).data());
      }
    }
  }
}
