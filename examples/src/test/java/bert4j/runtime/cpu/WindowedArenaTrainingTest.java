package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.specs.RefDropoutImpl;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.model.GeneratedTransformer;
import bert4j.runtime.optim.StateRegion;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The path of memory larger than one Java buffer, taken at a small size: a backend whose windows
 * start a few thousand floats apart ({@link CpuKernels#CpuKernels(int, long)}) holds a UniLM model's
 * arena in several windows (its parameters, gradients and optimizer state in one each, as BERT-base's
 * are at the real stride); training steps with dropout, the forward and beam search then equal those
 * of the one-buffer backend bit for bit.
 */
class WindowedArenaTrainingTest {
  private static final int THREADS = 2;
  private static final int MAX_BATCH = 8;
  private static final int MAX_LENGTH = 16;

  @Test
  void trainingForwardAndDecodingEqualTheOneBufferPathBitForBit() {
    try (CpuKernels plain = new CpuKernels(THREADS);
        GeneratedTransformer reference = RefDropoutImpl.create(plain, MAX_BATCH, MAX_LENGTH)) {
      long stride = strideHolding(reference);
      try (CpuKernels windowed = new CpuKernels(THREADS, stride);
          GeneratedTransformer model = RefDropoutImpl.create(windowed, MAX_BATCH, MAX_LENGTH)) {
        long arenaFloats = model.arenaBytes() / 4;
        assertTrue(arenaFloats > 2 * (2 * stride - 1), "the arena (" + arenaFloats
            + " floats) spans more than two windows of " + (2 * stride - 1));
        Batch batch = batch(reference.layout().vocab());
        List<float[]> expected = run(reference, batch);
        List<float[]> actual = run(model, batch);
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
          assertArrayEquals(bits(expected.get(i)), bits(actual.get(i)), "result " + i);
        }
      }
    }
  }

  /**
   * The smallest power-of-two stride whose windows hold the model's largest allocation but the
   * arena: the parameters or an optimizer state region.
   */
  private static long strideHolding(GeneratedTransformer model) {
    long largest = model.parameterCount();
    for (StateRegion region : StateRegion.values()) {
      largest = Math.max(largest, model.optimizer().regionFloats(region));
    }
    long stride = 1;
    while (2 * stride - 1 < largest) {
      stride *= 2;
    }
    return stride;
  }

  /** Three training steps (losses), the parameters, the forward's outputs, then beam search. */
  private static List<float[]> run(GeneratedTransformer model, Batch batch) {
    model.initialize(9);
    model.seedDropout(4);
    List<float[]> results = new ArrayList<>();
    float[] losses = new float[3];
    for (int i = 0; i < losses.length; i++) {
      losses[i] = model.trainStep(batch);
    }
    results.add(losses);
    for (ParameterInfo p : model.parameters()) {
      results.add(model.parameter(p.name()).data());
    }
    Outputs outputs = model.forward(Batch.of(batch.tokenIds(), batch.segmentIds()));
    for (FloatTensor t : outputs.asMap().values()) {
      results.add(t.data());
    }
    int[][] prompts = {{2, 5, 9, 11, 3}, {2, 7, 3}};
    int[][] segments = {{0, 0, 0, 1, 1}, {0, 0, 0}};
    int[][] beams = new AutoRegressiveDecoder((IncrementalLm) model,
        DecodeLimits.of(3, 8)).beamSearch(prompts, segments, BeamSearch.of(3));
    for (int[] beam : beams) {
      float[] tokens = new float[beam.length];
      for (int i = 0; i < beam.length; i++) {
        tokens[i] = beam[i];
      }
      results.add(tokens);
    }
    return results;
  }

  /** A full batch: random tokens of random lengths, a UniLM source/target split, class labels. */
  private static Batch batch(int vocab) {
    SplittableRandom random = new SplittableRandom(12);
    int[][] tokens = new int[MAX_BATCH][MAX_LENGTH];
    int[][] segments = new int[MAX_BATCH][MAX_LENGTH];
    int[] labels = new int[MAX_BATCH];
    for (int b = 0; b < MAX_BATCH; b++) {
      int length = 4 + random.nextInt(MAX_LENGTH - 3);
      for (int i = 0; i < length; i++) {
        tokens[b][i] = i == 0 ? 2 : 1 + random.nextInt(vocab - 1);
        segments[b][i] = i >= length / 2 ? 1 : 0;
      }
      labels[b] = random.nextInt(3);
    }
    return Batch.withLabels(tokens, segments, labels);
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
