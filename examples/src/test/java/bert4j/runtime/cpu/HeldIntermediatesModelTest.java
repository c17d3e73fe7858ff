package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.examples.model.specs.RefWideUnilmImpl;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A model created for inference declares its feed-forward activations, and bf16 kernels hand them
 * from the first product to the second in bf16: the forward, the decoding steps and beam search
 * give the same bits as the same model on kernels that never hear the declaration (which round the
 * float32 activations to bf16 before the second product), and the second products did read bf16.
 */
class HeldIntermediatesModelTest {
  private static final int MAX_BATCH = 4;
  private static final int MAX_LENGTH = 16;
  private static final int LAYERS = 2;

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
