package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.KernelTesting.assertGradient;
import static bert4j.runtime.cpu.KernelTesting.doubles;
import static bert4j.runtime.cpu.KernelTesting.get;
import static bert4j.runtime.cpu.KernelTesting.gradient;
import static bert4j.runtime.cpu.KernelTesting.minus;
import static bert4j.runtime.cpu.KernelTesting.put;
import static bert4j.runtime.cpu.KernelTesting.uniform;
import static bert4j.runtime.cpu.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** embedding (gather, with and without accumulate) and its deterministic scatter-add backward. */
class CpuEmbeddingTest {
  private static final int VOCAB = 11;
  private static final int WIDTH = 300;
  private static CpuKernels kernels;

  @BeforeAll
  static void start() {
    kernels = new CpuKernels(2);
  }

  @AfterAll
  static void stop() {
    kernels.close();
  }

  /** Many rows, few ids: every table row is hit many times, from rows any thread could own. */
  private static int[] ids(Random random, int rows) {
    int[] ids = new int[rows];
    for (int r = 0; r < rows; r++) {
      ids[r] = random.nextInt(VOCAB);
    }
    return ids;
  }

  static double[] gather(int[] ids, double[] table, int width) {
    double[] out = new double[ids.length * width];
    for (int r = 0; r < ids.length; r++) {
      System.arraycopy(table, ids[r] * width, out, r * width, width);
    }
    return out;
  }

  @Test
  void forwardGathersAndAccumulates() {
    Random random = new Random(1);
    int rows = 200;
    int[] ids = ids(random, rows);
    float[] table = uniform(random, VOCAB * WIDTH);
    float[] before = uniform(random, rows * WIDTH);
    Slice ts = put(kernels, table);
    Slice out = put(kernels, before);
    kernels.embedding(ids, rows, ts, WIDTH, out, false);
    float[] got = get(kernels, out, rows * WIDTH);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < WIDTH; j++) {
        if (got[r * WIDTH + j] != table[ids[r] * WIDTH + j]) {
          throw new AssertionError("row " + r + " column " + j);
        }
      }
    }
    kernels.embedding(ids, rows, ts, WIDTH, out, true);
    float[] twice = get(kernels, out, rows * WIDTH);
    for (int i = 0; i < got.length; i++) {
      if (twice[i] != got[i] + got[i]) {
        throw new AssertionError("accumulate at " + i);
      }
    }
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    Random random = new Random(2);
    int rows = 200;
    int width = 5;
    int[] ids = ids(random, rows);
    float[] table = uniform(random, VOCAB * width);
    float[] w = uniform(random, rows * width);
    float[] dTable0 = uniform(random, VOCAB * width);
    Slice dTable = put(kernels, dTable0);
    kernels.embeddingBackward(ids, rows, put(kernels, w), width, dTable);
    double[] want = gradient(t -> KernelTesting.dot(w, gather(ids, t, width)), doubles(table));
    assertGradient(want, minus(get(kernels, dTable, VOCAB * width), dTable0), "dTable");
  }

  @Test
  void backwardIsTheSameBitForBitEveryRun() {
    Random random = new Random(3);
    int rows = 2000;
    int[] ids = ids(random, rows);
    Slice dOut = put(kernels, uniform(random, rows * WIDTH, -100, 100));
    float[] first = null;
    for (int run = 0; run < 5; run++) {
      Slice dTable = zeros(kernels, VOCAB * WIDTH);
      kernels.embeddingBackward(ids, rows, dOut, WIDTH, dTable);
      float[] got = get(kernels, dTable, VOCAB * WIDTH);
      if (first == null) {
        first = got;
      } else {
        assertArrayEquals(first, got, "run " + run);
      }
    }
  }

  @Test
  void idOutsideTheTableIsRejected() {
    Slice table = zeros(kernels, VOCAB * WIDTH);
    Slice out = zeros(kernels, 2 * WIDTH);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kernels.embedding(new int[] {3, VOCAB}, 2, table, WIDTH, out, false));
    assertTrue(e.getMessage().contains("ids[1] = " + VOCAB), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> kernels.embeddingBackward(new int[] {-1}, 1, out, WIDTH, table));
  }
}
