package bert4j.examples.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.ParameterInfo;
import bert4j.runtime.cpu.CpuOptimizerStep;
import bert4j.runtime.cpu.HostParallel;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.OptimizerProgram;
import bert4j.runtime.optim.StateRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU backend's fused optimizer update ({@link CpuOptimizerStep}) against {@link ReferenceOptimizer}, on flat buffers with
 * synthetic gradients: 30 training steps of each base, each extension alone and all of them together.
 * (The model-level tests do the same through generated models and real gradients.)
 */
class FusedUpdateTest {
  static final int STEPS = 30;
  static final double TOLERANCE = 1e-5;
  static final ExecutorService POOL = Executors.newFixedThreadPool(2);

  /** Two threads, contiguous halves of the tasks. */
  static final HostParallel TWO_THREADS = new HostParallel() {
    @Override
    public int threads() {
      return 2;
    }

    @Override
    public void forEach(int count, long costPerTask, RangeTask task) {
      int half = count / 2;
      Future<?> first = POOL.submit(() -> task.run(1, 0, half));
      task.run(0, half, count);
      try {
        first.get();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }
  };

  @AfterAll
  static void shutdown() {
    POOL.shutdown();
  }

  static final List<ParameterInfo> PARAMETERS = parameters(new Object[][] {
      {"embeddings.word_embeddings.weight", new int[] {30, 16}},
      {"embeddings.LayerNorm.weight", new int[] {16}},
      {"embeddings.LayerNorm.bias", new int[] {16}},
      {"encoder.layer.0.attention.self.query.weight", new int[] {16, 16}},
      {"encoder.layer.0.attention.self.query.bias", new int[] {16}},
      {"encoder.layer.0.intermediate.dense.weight", new int[] {32, 16}},
      {"encoder.layer.0.intermediate.dense.bias", new int[] {32}},
      {"encoder.layer.0.output.dense.weight", new int[] {16, 32}},
      {"classifier.weight", new int[] {2, 16}},
      {"classifier.bias", new int[] {2}},
      // a tensor larger than one chunk, so that reductions span chunks
      {"encoder.layer.0.big.weight", new int[] {160, 128}},
  });

  static List<ParameterInfo> parameters(Object[][] spec) {
    List<ParameterInfo> list = new ArrayList<>();
    long offset = 0;
    for (Object[] p : spec) {
      ParameterInfo info = new ParameterInfo((String) p[0], (int[]) p[1], offset);
      list.add(info);
      offset += info.size();
    }
    return list;
  }

  record Case(String name, OptimizerProgram program, Consumer<ReferenceOptimizer> reference) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final OptimizerProgram ADAM = OptimizerProgram.adam(1e-3, 0.9, 0.999, 1e-6, true);

  static Stream<Arguments> cases() {
    return Stream.of(
        new Case("adam", ADAM, r -> {}),
        new Case("adam without bias correction", OptimizerProgram.adam(2e-3, 0.8, 0.99, 1e-6, false),
            r -> {
              r.lr = 2e-3;
              r.beta1 = 0.8;
              r.beta2 = 0.99;
              r.biasCorrection = false;
            }),
        new Case("sgd", OptimizerProgram.sgd(0.1, 0, false), r -> {
          r.base = ReferenceOptimizer.Base.SGD;
          r.lr = 0.1;
        }),
        new Case("sgd momentum", OptimizerProgram.sgd(0.1, 0.9, false), r -> {
          r.base = ReferenceOptimizer.Base.SGD;
          r.lr = 0.1;
          r.momentum = 0.9;
        }),
        new Case("sgd nesterov", OptimizerProgram.sgd(0.1, 0.9, true), r -> {
          r.base = ReferenceOptimizer.Base.SGD;
          r.lr = 0.1;
          r.momentum = 0.9;
          r.nesterov = true;
        }),
        new Case("lion", OptimizerProgram.lion(1e-4, 0.95, 0.98), r -> {
          r.base = ReferenceOptimizer.Base.LION;
          r.lr = 1e-4;
          r.beta1 = 0.95;
          r.beta2 = 0.98;
        }),
        new Case("adafactor", OptimizerProgram.adafactor(1e-3, 0, Double.NaN, 1e-30, 1e-3, 1.0, true,
            false, 8), r -> {
              adafactor(r);
            }),
        new Case("adafactor momentum, fixed beta2, relative step, no clipping",
            OptimizerProgram.adafactor(1e-3, 0.9, 0.99, 1e-30, 1e-3, 0, true, true, 8, "bias"), r -> {
              adafactor(r);
              r.beta1 = 0.9;
              r.beta2 = 0.99;
              r.beta2Schedule = false;
              r.clippingThreshold = 0;
              r.relativeStep = true;
              r.excludeFromParameterScale = List.of("bias");
            }),
        new Case("adafactor without parameter scale, lazy", OptimizerProgram.adafactor(1e-2, 0, Double.NaN,
            1e-30, 1e-3, 1.0, false, false, 16).withLazy("word_embeddings"), r -> {
              adafactor(r);
              r.lr = 1e-2;
              r.parameterScale = false;
              r.factorMinDim = 16;
              r.lazyInclude = List.of("word_embeddings");
            }),
        new Case("weight decay", ADAM.withWeightDecay(0.01, "LayerNorm", "bias"), r -> {
          r.weightDecay = 0.01;
          r.weightDecayExclude = List.of("LayerNorm", "bias");
        }),
        new Case("layer adaptation", ADAM.withLayerAdaptation("LayerNorm", "bias$"), r -> {
          r.layerAdaptationExclude = List.of("LayerNorm", "bias$");
        }),
        new Case("schedule", ADAM.withSchedule(new long[] {10, 20}, new double[] {1, 0.1}), r -> {
          r.scheduleSteps = new long[] {10, 20};
          r.scheduleValues = new double[] {1, 0.1};
        }),
        new Case("accumulation", ADAM.withAccumulation(3), r -> r.accumulation = 3),
        new Case("lookahead", ADAM.withLookahead(4, 0.5), r -> {
          r.lookaheadSteps = 4;
          r.lookaheadAlpha = 0.5;
        }),
        new Case("lazy", ADAM.withLazy("word_embeddings"), r -> r.lazyInclude = List.of("word_embeddings")),
        new Case("ema", ADAM.withEma(0.9), r -> r.emaMomentum = 0.9),
        new Case("multipliers", ADAM.withMultiplier("classifier", 10).withMultiplier("weight", 0.5),
            r -> {
              r.multipliers.put("classifier", 10.0);
              r.multipliers.put("weight", 0.5);
            }),
        new Case("clip norm", ADAM.withClipNorm(0.5), r -> r.clipNorm = 0.5),
        new Case("all extensions", all(ADAM), r -> all(r)),
        new Case("all extensions on lion", all(OptimizerProgram.lion(1e-4, 0.9, 0.99)), r -> {
          all(r);
          r.base = ReferenceOptimizer.Base.LION;
          r.lr = 1e-4;
          r.beta1 = 0.9;
          r.beta2 = 0.99;
        }),
        new Case("all extensions on adafactor", all(OptimizerProgram.adafactor(1e-3, 0.9, Double.NaN,
            1e-30, 1e-3, 1.0, true, false, 8)), r -> {
              all(r);
              adafactor(r);
              r.beta1 = 0.9;
            }))
        .map(Arguments::of);
  }

  static void adafactor(ReferenceOptimizer r) {
    r.base = ReferenceOptimizer.Base.ADAFACTOR;
    r.beta1 = 0;
    r.beta2Schedule = true;
    r.factorMinDim = 8;
  }

  static OptimizerProgram all(OptimizerProgram base) {
    return base.withWeightDecay(0.01, "LayerNorm", "bias")
        .withLayerAdaptation("LayerNorm")
        .withSchedule(new long[] {3, 12}, new double[] {1, 0.2})
        .withAccumulation(2)
        .withLookahead(3, 0.6)
        .withLazy("word_embeddings")
        .withEma(0.8)
        .withMultiplier("classifier", 3)
        .withClipNorm(0.05);
  }

  static void all(ReferenceOptimizer r) {
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
    r.clipNorm = 0.05;
  }

  /** The flat buffers of one run. */
  static final class Run {
    final BoundOptimizer bound;
    final CpuOptimizerStep update;
    final FloatBuffer params;
    final FloatBuffer grads;
    final FloatBuffer[] state;

    Run(OptimizerProgram program) {
      bound = program.bind(PARAMETERS);
      update = new CpuOptimizerStep(bound);
      params = floats(bound.size());
      grads = floats(bound.size());
      state = new FloatBuffer[StateRegion.values().length];
      for (StateRegion region : StateRegion.values()) {
        long n = bound.regionFloats(region);
        state[region.ordinal()] = n == 0 ? null : floats((int) n);
      }
    }

    float[] tensor(FloatBuffer buffer, ParameterInfo p) {
      float[] out = new float[p.size()];
      buffer.get((int) p.offset(), out, 0, out.length);
      return out;
    }
  }

  static FloatBuffer floats(int n) {
    return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  static float[] initial(ParameterInfo p) {
    SplittableRandom random = new SplittableRandom(p.name().hashCode());
    float[] values = new float[p.size()];
    boolean bias = p.name().endsWith("bias");
    for (int i = 0; i < values.length; i++) {
      values[i] = p.name().endsWith("LayerNorm.weight") ? 1f + (float) (0.1 * random.nextGaussian())
          : bias && p.name().startsWith("classifier") ? 0f
          : (float) (0.05 * random.nextGaussian());
    }
    return values;
  }

  /** Gradients of step {@code step}: only a few embedding rows are present; biases sometimes zero. */
  static Map<String, float[]> gradients(int step) {
    SplittableRandom random = new SplittableRandom(1000 + step);
    Map<String, float[]> grads = new LinkedHashMap<>();
    for (ParameterInfo p : PARAMETERS) {
      float[] g = new float[p.size()];
      if (p.name().contains("word_embeddings")) {
        int[] shape = p.shape();
        for (int k = 0; k < 4; k++) {
          int row = random.nextInt(shape[0] - 5);   // the last 5 rows never appear
          for (int j = 0; j < shape[1]; j++) {
            g[row * shape[1] + j] = (float) (0.01 * random.nextGaussian());
          }
        }
      } else {
        double scale = p.name().contains("big") ? 1e-3 : 0.02;
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) (scale * random.nextGaussian());
        }
      }
      grads.put(p.name(), g);
    }
    return grads;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesTheReference(Case c) {
    Run sequential = new Run(c.program());
    Run parallel = new Run(c.program());
    ReferenceOptimizer reference = new ReferenceOptimizer();
    c.reference().accept(reference);
    for (ParameterInfo p : PARAMETERS) {
      float[] values = initial(p);
      sequential.params.put((int) p.offset(), values);
      parallel.params.put((int) p.offset(), values);
      reference.addParameter(p.name(), p.shape(), values);
    }
    for (int step = 1; step <= STEPS; step++) {
      Map<String, float[]> grads = gradients(step);
      for (ParameterInfo p : PARAMETERS) {
        sequential.grads.put((int) p.offset(), grads.get(p.name()));
        parallel.grads.put((int) p.offset(), grads.get(p.name()));
      }
      sequential.update.apply(sequential.bound.step(step), sequential.params, sequential.grads,
          sequential.state, HostParallel.SEQUENTIAL);
      parallel.update.apply(parallel.bound.step(step), parallel.params, parallel.grads,
          parallel.state, TWO_THREADS);
      reference.step(grads);
      if (reference.updates > 0) {
        assertEquals(reference.lastLr, sequential.bound.lastLearningRate(), 1e-12 * reference.lastLr,
            "learning rate at step " + step);
      }
    }
    double worst = 0;
    String worstName = "";
    for (ParameterInfo p : PARAMETERS) {
      float[] actual = sequential.tensor(sequential.params, p);
      assertArrayEquals(actual, parallel.tensor(parallel.params, p),
          p.name() + ": two threads must give bit-identical results");
      double error = RelativeError.of(actual, reference.theta.get(p.name()));
      if (error > worst) {
        worst = error;
        worstName = p.name();
      }
    }
    System.out.printf("fused update %-60s max relative error %.2e (%s)%n", c.name(), worst, worstName);
    assertTrue(worst <= TOLERANCE, c.name() + ": relative error " + worst + " in " + worstName);
    if (c.program().hasEma()) {
      for (ParameterInfo p : PARAMETERS) {
        float[] e = sequential.tensor(sequential.state[StateRegion.EMA.ordinal()], p);
        double correction = sequential.bound.emaCorrection(reference.updates);
        double[] expected = reference.emaWeights(p.name());
        float[] corrected = new float[e.length];
        for (int i = 0; i < e.length; i++) {
          corrected[i] = (float) (e[i] * correction);
        }
        double error = RelativeError.of(corrected, expected);
        assertTrue(error <= TOLERANCE, p.name() + " ema: relative error " + error);
      }
    }
  }

  @Test
  void lazyRowsAndTheirMomentsStayBitIdentical() {
    Run run = new Run(ADAM.withLazy("word_embeddings").withWeightDecay(0.1));
    for (ParameterInfo p : PARAMETERS) {
      run.params.put((int) p.offset(), initial(p));
    }
    ParameterInfo embedding = PARAMETERS.get(0);
    int width = embedding.shape()[1];
    for (int step = 1; step <= 5; step++) {
      Map<String, float[]> grads = gradients(step);
      for (ParameterInfo p : PARAMETERS) {
        run.grads.put((int) p.offset(), grads.get(p.name()));
      }
      float[] before = run.tensor(run.params, embedding);
      float[] mBefore = run.tensor(run.state[StateRegion.M.ordinal()], embedding);
      float[] vBefore = run.tensor(run.state[StateRegion.V.ordinal()], embedding);
      run.update.apply(run.bound.step(step), run.params, run.grads, run.state,
          HostParallel.SEQUENTIAL);
      float[] after = run.tensor(run.params, embedding);
      float[] mAfter = run.tensor(run.state[StateRegion.M.ordinal()], embedding);
      float[] vAfter = run.tensor(run.state[StateRegion.V.ordinal()], embedding);
      float[] g = grads.get(embedding.name());
      int moved = 0;
      for (int row = 0; row < embedding.shape()[0]; row++) {
        boolean present = false;
        for (int j = 0; j < width; j++) {
          present |= g[row * width + j] != 0;
        }
        for (int j = 0; j < width; j++) {
          int i = row * width + j;
          if (!present) {
            assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(after[i]));
            assertEquals(Float.floatToRawIntBits(mBefore[i]), Float.floatToRawIntBits(mAfter[i]));
            assertEquals(Float.floatToRawIntBits(vBefore[i]), Float.floatToRawIntBits(vAfter[i]));
          } else if (before[i] != after[i]) {
            moved++;
          }
        }
      }
      assertTrue(moved > 0, "present rows move");
    }
  }
}
