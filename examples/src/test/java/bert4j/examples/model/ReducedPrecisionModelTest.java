package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.examples.SentimentModelImpl;
import bert4j.runtime.Batch;
import bert4j.runtime.Outputs;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.cpu.Precision;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A small BERT (the main example's spec, random weights) with its linear layers in bf16 and int8
 * against the same model in float32: the sequence output and class logits stay within each
 * format's tolerance yet differ (the reduced path ran), and after the weights are initialised again
 * the reduced model follows the new weights, not the ones it prepared first. Skipped where this CPU
 * cannot run the precision.
 */
class ReducedPrecisionModelTest {
  private static final int BATCH = 4;
  private static final int LENGTH = 32;

  @ParameterizedTest
  @EnumSource(value = Precision.class, names = {"BF16", "INT8"})
  void followsFloat32WithinTheFormatsTolerance(Precision precision) {
    double tolerance = precision == Precision.BF16 ? 3e-2 : 1e-1;
    try (CpuKernels float32 = new CpuKernels(Precision.FLOAT32);
        CpuKernels reduced = new CpuKernels(precision)) {
      assumeTrue(reduced.precision() == precision, precision + " unavailable on this CPU");
      try (SentimentModelImpl reference = SentimentModelImpl.createForInference(float32, BATCH,
              LENGTH);
          SentimentModelImpl model = SentimentModelImpl.createForInference(reduced, BATCH, LENGTH)) {
        Batch batch = batch(11);
        for (long seed : new long[] {7, 8}) {
          reference.initialize(seed);
          model.initialize(seed);
          float[][] expected = outputs(reference.forward(batch));
          float[][] actual = outputs(model.forward(batch));
          for (int o = 0; o < expected.length; o++) {
            double diff = maxAbsDifference(expected[o], actual[o]);
            assertTrue(diff > 0 && diff <= tolerance, precision + " seed " + seed + " output " + o
                + ": max abs difference " + diff + " from float32 (tolerance " + tolerance + ")");
          }
        }
      }
    }
  }

  private static float[][] outputs(Outputs outputs) {
    return new float[][] {outputs.sequenceOutput().data(), outputs.classLogits().data()};
  }

  private static Batch batch(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[][] ids = new int[BATCH][LENGTH];
    int[][] segments = new int[BATCH][LENGTH];
    for (int b = 0; b < BATCH; b++) {
      for (int i = 0; i < LENGTH; i++) {
        ids[b][i] = 1 + random.nextInt(SentimentModelImpl.LAYOUT.vocab() - 1);
        segments[b][i] = i < LENGTH / 2 ? 0 : 1;
      }
    }
    return Batch.of(ids, segments);
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
