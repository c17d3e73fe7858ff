package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.dot;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.minus;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;

import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.RelativeBuckets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * relativePositionBias: T5's bucketed bias against a naive double reference, at lengths that reach
 * the log-spaced buckets (past 8 bidirectionally, 16 causally), both directions; its backward (the
 * table's gradient, accumulated) against central differences of Σ w ⊙ scores.
 */
public abstract class RelativePositionBiasContract extends KernelsContract {
  private static final int BATCH = 2;
  private static final int HEADS = 3;
  private static final int SEQ = 23;
  private static final int BUCKETS = 32;
  private static final int MAX_DISTANCE = 20;

  private static double[] reference(double[] table, double[] scores, boolean bidirectional) {
    double[] out = scores.clone();
    for (int b = 0; b < BATCH; b++) {
      for (int h = 0; h < HEADS; h++) {
        for (int i = 0; i < SEQ; i++) {
          for (int j = 0; j < SEQ; j++) {
            int k = RelativeBuckets.bucket(j - i, bidirectional, BUCKETS, MAX_DISTANCE);
            out[((b * HEADS + h) * SEQ + i) * SEQ + j] += table[k * HEADS + h];
          }
        }
      }
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void addsEachCellsBucketOfItsHead(boolean bidirectional) {
    Random random = new Random(bidirectional ? 5 : 6);
    AttentionShape shape = new AttentionShape(BATCH, SEQ, HEADS, 4, 4, 1f);
    float[] table = uniform(random, BUCKETS * HEADS, -1, 1);
    float[] scores = uniform(random, BATCH * HEADS * SEQ * SEQ, -2, 2);
    var scoreSlice = put(kernels, scores);
    kernels.relativePositionBias(shape, put(kernels, table), BUCKETS, MAX_DISTANCE, bidirectional,
        scoreSlice);
    assertClose(reference(doubles(table), doubles(scores), bidirectional),
        get(kernels, scoreSlice, scores.length), 1e-6, "biased scores");
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void backwardAccumulatesTheTablesGradient(boolean bidirectional) {
    Random random = new Random(bidirectional ? 7 : 8);
    AttentionShape shape = new AttentionShape(BATCH, SEQ, HEADS, 4, 4, 1f);
    int maps = BATCH * HEADS * SEQ * SEQ;
    float[] w = uniform(random, maps, -1, 1);
    double[] scores = doubles(uniform(random, maps, -2, 2));
    double[] table = doubles(uniform(random, BUCKETS * HEADS, -1, 1));
    double[] want = gradient(t -> dot(w, reference(t, scores, bidirectional)), table);
    float[] before = uniform(random, BUCKETS * HEADS, -1, 1);
    var dTable = put(kernels, before);
    kernels.relativePositionBiasBackward(shape, put(kernels, w), BUCKETS, MAX_DISTANCE,
        bidirectional, dTable);
    assertGradient(want, minus(get(kernels, dTable, before.length), before), "dTable");
  }
}
