package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * dBias's column sums over several blocks of rows and a ragged last one, at offsets: added to what
 * the sums held, against a double-precision reference, and the same bits from one thread as from
 * two.
 */
class LinearKernelsColumnSumsTest {
  private static final int ROWS = 53;
  private static final int WIDTH = 70;
  private static final int OFFSET = 3;

  @Test
  void columnSumsOverBlocksMatchTheReferenceOnAnyThreads() {
    SplittableRandom random = new SplittableRandom(11);
    float[] matrix = new float[OFFSET + ROWS * WIDTH];
    for (int i = 0; i < matrix.length; i++) {
      matrix[i] = (float) (random.nextDouble() * 2 - 1);
    }
    float[] before = new float[OFFSET + WIDTH];
    for (int j = 0; j < before.length; j++) {
      before[j] = j;
    }
    float[][] results = new float[2][before.length];
    for (int threads = 1; threads <= 2; threads++) {
      try (ParallelRows pool = new ParallelRows(threads)) {
        LinearKernels kernels = new LinearKernels(pool, Scratch.perThread(pool), null, null);
        FloatBuffer sums = buffer(before);
        kernels.addColumnSums(buffer(matrix), OFFSET, ROWS, WIDTH, sums, OFFSET);
        sums.get(0, results[threads - 1]);
      }
    }
    assertArrayEquals(results[0], results[1], "one thread and two give the same bits");
    for (int j = 0; j < OFFSET; j++) {
      assertEquals(before[j], results[1][j], "nothing written before the offset");
    }
    for (int j = 0; j < WIDTH; j++) {
      double want = before[OFFSET + j];
      for (int r = 0; r < ROWS; r++) {
        want += matrix[OFFSET + r * WIDTH + j];
      }
      assertEquals(want, results[1][OFFSET + j], 1e-4, "column " + j);
    }
  }

  private static FloatBuffer buffer(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return b;
  }
}
