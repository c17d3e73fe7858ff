package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.examples.model.specs.RefWideUnilmImpl;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a model created for inference declares to its CPU kernels. Its dense layers' weights, which
 * the backend packs in place at their first product: the forward, decoding and beam search match
 * the training model (which packs nothing) with the same weights; reading, saving and loading see
 * the weights as they were written, and the next forward packs them again and gives the same
 * outputs. Its feed-forward activations, which bf16 kernels hand from the first product to the
 * second in bf16: the forward, the decoding steps and beam search give the same bits as the same
 * model on kernels that never hear the declaration (which round the float32 activations to bf16
 * before the second product), and the second products did read bf16.
 */
class DeclarationsModelTest {
  private static final int MAX_BATCH = 4;
  private static final int MAX_LENGTH = 16;
  /**
   * Per layer q·k·v, the attention output, the FFN's two; the pooler and the MLM transform. The
   * classifier's [3, 128] would pack into more than its bytes and stays as it is.
   */
  private static final int DENSE_WEIGHTS = 2 * 4 + 2;
  private static final int LAYERS = 2;

  @Test
  void packedWeightsGiveTheTrainingModelsOutputsAndReadBackAsWritten(@TempDir Path dir)
      throws Exception {
    assumeTrue(OneDnn.get() != null, () -> "oneDNN did not load: " + OneDnn.failure());
    try (CpuKernels trainingKernels = new CpuKernels(2);
        CpuKernels kernels = new CpuKernels(2);
        GeneratedTransformer training = RefWideUnilmImpl.create(trainingKernels, MAX_BATCH,
            MAX_LENGTH);
        GeneratedTransformer inference = RefWideUnilmImpl.createForInference(kernels, MAX_BATCH,
            MAX_LENGTH)) {
      training.initialize(11);
      inference.initialize(11);
      Batch batch = batch(training.layout().vocab());
      Outputs expected = training.forward(batch);
      Outputs first = inference.forward(batch);
      assertEquals(0, trainingKernels.weightsPackedInPlace(), "a training model packs nothing");
      assertEquals(DENSE_WEIGHTS, kernels.weightsPackedInPlace(), "the inference model's dense weights");
      assertClose(expected, first);

      for (ParameterInfo p : training.parameters()) {
        assertArrayEquals(training.parameter(p.name()).data(), inference.parameter(p.name()).data(),
            p.name());
      }
      assertEquals(0, kernels.weightsPackedInPlace(), "reading gave every weight its layout back");
      assertSameBits(first, inference.forward(batch));

      Path saved = dir.resolve("inference.safetensors");
      inference.save(saved);
      training.load(saved);
      inference.initialize(3);
      inference.load(saved);
      assertSameBits(first, inference.forward(batch));

      int[][] prompts = {{2, 5, 9, 11, 3}, {2, 7, 3}};
      int[][] segments = {{0, 0, 0, 1, 1}, {0, 0, 0}};
      IncrementalLm a = (IncrementalLm) training;
      IncrementalLm b = (IncrementalLm) inference;
      assertClose(a.start(prompts, segments).data(), b.start(prompts, segments).data(), "start");
      assertClose(a.step(new int[] {4, 6}).data(), b.step(new int[] {4, 6}).data(), "step");
      DecodeLimits limits = DecodeLimits.of(3, 8);
      assertArrayEquals(new AutoRegressiveDecoder(a, limits).beamSearch(prompts, segments,
          BeamSearch.of(3)), new AutoRegressiveDecoder(b, limits).beamSearch(prompts, segments,
          BeamSearch.of(3)), "beam search");
      assertEquals(DENSE_WEIGHTS, kernels.weightsPackedInPlace(), "decoding ran on packed weights");
    }
  }

  @Test
  void bf16IntermediatesGiveTheSameBitsAsConvertingThem() throws Exception {
    String reason = ReducedPrecision.unavailableReason(Precision.BF16);
    assumeTrue(reason == null, () -> "bf16 unavailable here: " + reason);
    try (CpuKernels kernels = new CpuKernels(2, CpuMemory.DEFAULT_STRIDE, Precision.BF16, null);
        GeneratedTransformer held = RefWideUnilmImpl.createForInference(kernels, MAX_BATCH,
            MAX_LENGTH);
        GeneratedTransformer converted = RefWideUnilmImpl.createForInference(
            withoutIntermediates(kernels), MAX_BATCH, MAX_LENGTH)) {
      held.initialize(11);
      converted.initialize(11);
      Batch batch = batch(held.layout().vocab());
      long before = kernels.intermediatesReadInBf16();
      Map<String, FloatTensor> got = held.forward(batch).asMap();
      assertEquals(before + LAYERS, kernels.intermediatesReadInBf16(), "one per layer");
      Map<String, FloatTensor> want = converted.forward(batch).asMap();
      assertEquals(before + LAYERS, kernels.intermediatesReadInBf16(), "none undeclared");
      for (Map.Entry<String, FloatTensor> e : want.entrySet()) {
        assertArrayEquals(e.getValue().data(), got.get(e.getKey()).data(), e.getKey());
      }

      int[][] prompts = {{2, 5, 9, 11, 3}, {2, 7, 3}};
      int[][] segments = {{0, 0, 0, 1, 1}, {0, 0, 0}};
      IncrementalLm a = (IncrementalLm) converted;
      IncrementalLm b = (IncrementalLm) held;
      assertArrayEquals(a.start(prompts, segments).data(), b.start(prompts, segments).data(),
          "start");
      assertArrayEquals(a.step(new int[] {4, 6}).data(), b.step(new int[] {4, 6}).data(), "step");
      DecodeLimits limits = DecodeLimits.of(3, 8);
      assertArrayEquals(new AutoRegressiveDecoder(a, limits).beamSearch(prompts, segments,
          BeamSearch.of(3)), new AutoRegressiveDecoder(b, limits).beamSearch(prompts, segments,
          BeamSearch.of(3)), "beam search");
      assertTrue(kernels.intermediatesReadInBf16() > before + LAYERS, "the prompts' pass too");
    }
  }

  /** {@code kernels} behind a proxy that drops {@code linearIntermediate}. */
  private static Kernels withoutIntermediates(Kernels kernels) {
    return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
        new Class<?>[] {Kernels.class}, (proxy, method, arguments) -> {
          if (method.getName().equals("linearIntermediate")) {
            return null;
          }
          try {
            return method.invoke(kernels, arguments);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private static void assertClose(Outputs expected, Outputs actual) {
    Map<String, FloatTensor> want = expected.asMap();
    for (Map.Entry<String, FloatTensor> e : actual.asMap().entrySet()) {
      assertClose(want.get(e.getKey()).data(), e.getValue().data(), e.getKey());
    }
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])),
          what + " element " + i);
    }
  }

  private static void assertSameBits(Outputs expected, Outputs actual) {
    Map<String, FloatTensor> want = expected.asMap();
    for (Map.Entry<String, FloatTensor> e : actual.asMap().entrySet()) {
      assertArrayEquals(want.get(e.getKey()).data(), e.getValue().data(), e.getKey());
    }
  }

  /** Random tokens of random lengths, a UniLM source/target split. */
  private static Batch batch(int vocab) {
    SplittableRandom random = new SplittableRandom(12);
    int[][] tokens = new int[MAX_BATCH][MAX_LENGTH];
    int[][] segments = new int[MAX_BATCH][MAX_LENGTH];
    for (int b = 0; b < MAX_BATCH; b++) {
      int length = 4 + random.nextInt(MAX_LENGTH - 3);
      for (int i = 0; i < length; i++) {
        tokens[b][i] = i == 0 ? 2 : 1 + random.nextInt(vocab - 1);
        segments[b][i] = i >= length / 2 ? 1 : 0;
      }
    }
    return Batch.of(tokens, segments);
  }
}
