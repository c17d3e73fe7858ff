package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.kernels.RelativeBuckets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * T5's bias backward sums each map by diagonals on the pool and adds the maps in order: the same
 * bits on one thread and on three, and each (bucket, head) sum as a cell-by-cell double reference
 * gives it, at offsets.
 */
class RelativeBiasKernelsTest {
  private static final int BATCH = 3;
  private static final int HEADS = 4;
  private static final int SEQ = 19;
  private static final int BUCKETS = 16;
  private static final int MAX_DISTANCE = 12;
  private static final int OFFSET = 5;

  @Test
  void backwardGivesTheSameBitsOnAnyThreadCountAndTheReferenceSums() {
    SplittableRandom random = new SplittableRandom(9);
    float[] dScores = new float[OFFSET + BATCH * HEADS * SEQ * SEQ];
    for (int i = 0; i < dScores.length; i++) {
      dScores[i] = (float) (random.nextDouble() * 4 - 2);
    }
    float[] before = new float[OFFSET + BUCKETS * HEADS];
    for (int i = 0; i < before.length; i++) {
      before[i] = (float) random.nextDouble();
    }
    for (boolean bidirectional : new boolean[] {true, false}) {
      float[][] results = new float[2][];
      int[] threads = {1, 3};
      for (int t = 0; t < 2; t++) {
        try (ParallelRows pool = new ParallelRows(threads[t])) {
          RelativeBiasKernels kernels = new RelativeBiasKernels(pool, Scratch.perThread(pool));
          FloatBuffer dTable = buffer(before);
          kernels.backward(BATCH, SEQ, HEADS, buffer(dScores), OFFSET, BUCKETS, MAX_DISTANCE,
              bidirectional, dTable, OFFSET);
          results[t] = new float[before.length];
          dTable.get(0, results[t]);
        }
      }
      assertArrayEquals(results[0], results[1], "one thread and three, bidirectional "
          + bidirectional);
      double[] want = new double[BUCKETS * HEADS];
      for (int b = 0; b < BATCH; b++) {
        for (int h = 0; h < HEADS; h++) {
          for (int i = 0; i < SEQ; i++) {
            for (int j = 0; j < SEQ; j++) {
              int k = RelativeBuckets.bucket(j - i, bidirectional, BUCKETS, MAX_DISTANCE);
              want[k * HEADS + h] += dScores[OFFSET + ((b * HEADS + h) * SEQ + i) * SEQ + j];
            }
          }
        }
      }
      for (int j = 0; j < OFFSET; j++) {
        assertEquals(before[j], results[1][j], "nothing written before the offset");
      }
      for (int e = 0; e < want.length; e++) {
        assertEquals((float) (before[OFFSET + e] + want[e]), results[1][OFFSET + e], 1e-5,
            "bucket·heads + head " + e);
      }
    }
  }

  private static FloatBuffer buffer(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return b;
  }
}
