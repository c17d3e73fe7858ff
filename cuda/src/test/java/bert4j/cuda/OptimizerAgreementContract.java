package bert4j.cuda;

import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.ParameterInfo;
import bert4j.runtime.cpu.CpuOptimizerStep;
import bert4j.runtime.cpu.HostParallel;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.kernels.contract.KernelsContract;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.OptimizerProgram;
import bert4j.runtime.optim.StateRegion;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimizer step of the backend under test against the CPU backend's ({@link CpuOptimizerStep}
 * on host buffers: no BLAS needed, so this runs where the CPU backend is not installed, as in the
 * GPU bundle), for every method and every extension, alone and all together: seven training steps
 * from the same parameters and gradients, then the parameters and every region of optimizer state
 * must agree to {@link #tolerance()} (relative, over the whole buffer) and the learning rates
 * exactly. The tensors span several device chunks, lazy rows (most of the embedding's gradient rows
 * are zero), and factored AdaFactor statistics over more than one tile of rows and of columns, with
 * either side the longer.
 */
public abstract class OptimizerAgreementContract extends KernelsContract {
  static final int CALLS = 7;

  static final List<ParameterInfo> TENSORS = tensors(new Object[][] {
      {"embeddings.word_embeddings.weight", new int[] {150, 32}},
      {"embeddings.LayerNorm.weight", new int[] {32}},
      {"embeddings.LayerNorm.bias", new int[] {32}},
      {"encoder.layer.0.attention.self.query.weight", new int[] {16, 16}},
      {"encoder.layer.0.intermediate.dense.weight", new int[] {200, 24}},
      {"encoder.layer.0.intermediate.dense.bias", new int[] {200}},
      {"encoder.layer.0.output.dense.weight", new int[] {24, 300}},
      {"encoder.layer.0.big.weight", new int[] {96, 160}},
      {"classifier.weight", new int[] {2, 32}},
      {"classifier.bias", new int[] {2}},
  });

  static final OptimizerProgram ADAM = OptimizerProgram.adam(1e-3, 0.9, 0.999, 1e-6, true);

  /**
   * The relative error allowed: 1e-6, for a GPU that contracts multiply-adds into FMAs; a backend
   * that computes as the CPU does may ask for 0 (bit for bit).
   */
  protected double tolerance() {
    return 1e-6;
  }

  static List<ParameterInfo> tensors(Object[][] spec) {
    List<ParameterInfo> list = new ArrayList<>();
    long offset = 0;
    for (Object[] p : spec) {
      ParameterInfo info = new ParameterInfo((String) p[0], (int[]) p[1], offset);
      list.add(info);
      offset += info.size();
    }
    return list;
  }

  static Stream<Arguments> programs() {
    return Stream.of(
        Arguments.of("adam", ADAM),
        Arguments.of("adam without bias correction",
            OptimizerProgram.adam(2e-3, 0.8, 0.99, 1e-8, false)),
        Arguments.of("sgd", OptimizerProgram.sgd(0.1, 0, false)),
        Arguments.of("sgd momentum", OptimizerProgram.sgd(0.1, 0.9, false)),
        Arguments.of("sgd nesterov", OptimizerProgram.sgd(0.05, 0.9, true)),
        Arguments.of("lion", OptimizerProgram.lion(1e-4, 0.95, 0.98)),
        Arguments.of("adafactor factored, clipped, parameter scale",
            OptimizerProgram.adafactor(1e-3, 0, Double.NaN, 1e-30, 1e-3, 1.0, true, false, 8)),
        Arguments.of("adafactor momentum, fixed beta2, relative step, no clipping",
            OptimizerProgram.adafactor(1e-3, 0.9, 0.99, 1e-30, 1e-3, 0, true, true, 8, "bias")),
        Arguments.of("adafactor unfactored, tight clipping, lazy",
            OptimizerProgram.adafactor(1e-2, 0, Double.NaN, 1e-30, 1e-3, 0.01, false, false, 1000)
                .withLazy("word_embeddings")),
        Arguments.of("adafactor factored, no parameter scale, lazy",
            OptimizerProgram.adafactor(1e-2, 0, Double.NaN, 1e-30, 1e-3, 1.0, false, false, 16)
                .withLazy("word_embeddings")),
        Arguments.of("weight decay", ADAM.withWeightDecay(0.01, "LayerNorm", "bias")),
        Arguments.of("layer adaptation", ADAM.withLayerAdaptation("LayerNorm", "bias$")),
        Arguments.of("schedule", ADAM.withSchedule(new long[] {2, 5}, new double[] {1, 0.1})),
        Arguments.of("accumulation", ADAM.withAccumulation(3)),
        Arguments.of("lookahead", ADAM.withLookahead(2, 0.5)),
        Arguments.of("lazy", ADAM.withLazy("word_embeddings")),
        Arguments.of("ema", ADAM.withEma(0.9)),
        Arguments.of("multipliers", ADAM.withMultiplier("classifier", 10).withMultiplier("weight", 0.5)),
        Arguments.of("clip norm", ADAM.withClipNorm(0.5)),
        Arguments.of("all extensions on adam", all(ADAM)),
        Arguments.of("all extensions on sgd nesterov", all(OptimizerProgram.sgd(0.05, 0.9, true))),
        Arguments.of("all extensions on lion", all(OptimizerProgram.lion(1e-4, 0.9, 0.99))),
        Arguments.of("all extensions on adafactor", all(OptimizerProgram.adafactor(1e-3, 0.9,
            Double.NaN, 1e-30, 1e-3, 1.0, true, false, 8))));
  }

  /** Every extension: two steps per update, lookahead synchronising after the third update. */
  static OptimizerProgram all(OptimizerProgram base) {
    return base.withWeightDecay(0.01, "LayerNorm", "bias")
        .withLayerAdaptation("LayerNorm")
        .withSchedule(new long[] {1, 3}, new double[] {1, 0.2})
        .withAccumulation(2)
        .withLookahead(3, 0.6)
        .withLazy("word_embeddings")
        .withEma(0.8)
        .withMultiplier("classifier", 3)
        .withClipNorm(0.05);
  }

  /** Parameters: LayerNorm weights near 1, the rest small. */
  static float[] initial(int size) {
    SplittableRandom random = new SplittableRandom(11);
    float[] values = new float[size];
    for (ParameterInfo p : TENSORS) {
      boolean norm = p.name().endsWith("LayerNorm.weight");
      for (int i = 0; i < p.size(); i++) {
        values[(int) p.offset() + i] = (float) ((norm ? 1 : 0) + 0.05 * random.nextGaussian());
      }
    }
    return values;
  }

  /** Gradients of training step {@code call}: five embedding rows present, a few exact zeros. */
  static float[] gradients(int size, long call) {
    SplittableRandom random = new SplittableRandom(1000 + call);
    float[] g = new float[size];
    for (ParameterInfo p : TENSORS) {
      int at = (int) p.offset();
      if (p.name().contains("word_embeddings")) {
        int width = p.shape()[1];
        for (int k = 0; k < 5; k++) {
          int row = random.nextInt(p.shape()[0] - 10);
          for (int j = 0; j < width; j++) {
            g[at + row * width + j] = (float) (0.01 * random.nextGaussian());
          }
        }
        continue;
      }
      for (int i = 0; i < p.size(); i++) {
        g[at + i] = random.nextInt(50) == 0 ? 0f : (float) (0.02 * random.nextGaussian());
      }
    }
    return g;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("programs")
  void agreesWithTheCpuBackend(String name, OptimizerProgram program) {
    int size = TENSORS.stream().mapToInt(ParameterInfo::size).sum();
    float[] start = initial(size);
    BoundOptimizer onDevice = program.bind(TENSORS);
    BoundOptimizer onHost = program.bind(TENSORS);
    CpuOptimizerStep hostUpdate = new CpuOptimizerStep(onHost);
    Slice params = put(kernels, start);
    FloatBuffer hostParams = FloatBuffer.wrap(start.clone());
    Slice[] state = new Slice[StateRegion.COUNT];
    FloatBuffer[] hostState = new FloatBuffer[StateRegion.COUNT];
    for (StateRegion region : StateRegion.values()) {
      int floats = (int) onHost.regionFloats(region);
      if (floats > 0) {
        state[region.ordinal()] = zeros(kernels, floats);
        hostState[region.ordinal()] = FloatBuffer.allocate(floats);
      }
    }
    for (long call = 1; call <= CALLS; call++) {
      float[] grads = gradients(size, call);
      kernels.optimizerStep(onDevice, params, put(kernels, grads), state, call);
      hostUpdate.apply(onHost.step(call), hostParams, FloatBuffer.wrap(grads), hostState,
          HostParallel.SEQUENTIAL);
      assertEquals(onHost.lastLearningRate(), onDevice.lastLearningRate(),
          name + ": learning rate after step " + call);
    }
    assertAgree(hostParams.array(), get(kernels, params, size), name + ": params");
    for (StateRegion region : StateRegion.values()) {
      FloatBuffer want = hostState[region.ordinal()];
      if (want != null) {
        assertAgree(want.array(), get(kernels, state[region.ordinal()], want.capacity()),
            name + ": state " + region);
      }
    }
  }

  private void assertAgree(float[] want, float[] got, String what) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < want.length; i++) {
      num += ((double) got[i] - want[i]) * ((double) got[i] - want[i]);
      den += (double) want[i] * want[i];
    }
    double error = Math.sqrt(num / Math.max(den, 1e-30));
    assertTrue(error <= tolerance(), what + ": relative error " + error + " > " + tolerance());
  }
}
