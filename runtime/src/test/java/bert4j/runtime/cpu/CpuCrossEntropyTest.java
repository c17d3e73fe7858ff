package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.KernelTesting.assertClose;
import static bert4j.runtime.cpu.KernelTesting.assertGradient;
import static bert4j.runtime.cpu.KernelTesting.doubles;
import static bert4j.runtime.cpu.KernelTesting.get;
import static bert4j.runtime.cpu.KernelTesting.gradient;
import static bert4j.runtime.cpu.KernelTesting.put;
import static bert4j.runtime.cpu.KernelTesting.uniform;
import static bert4j.runtime.cpu.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** softmaxCrossEntropy: loss and gradient, ignored rows, bad targets, in place, large logits. */
class CpuCrossEntropyTest {
  private static final int ROWS = 60;
  private static final int CLASSES = 1500;
  private static CpuKernels kernels;

  @BeforeAll
  static void start() {
    kernels = new CpuKernels(2);
  }

  @AfterAll
  static void stop() {
    kernels.close();
  }

  static double loss(double[] logits, int[] targets, int classes) {
    double total = 0;
    for (int r = 0; r < targets.length; r++) {
      if (targets[r] < 0) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[r * classes + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[r * classes + c] - max);
      }
      total += Math.log(sum) + max - logits[r * classes + targets[r]];
    }
    return total;
  }

  private static int[] targets(Random random, int rows, int classes) {
    int[] t = new int[rows];
    for (int r = 0; r < rows; r++) {
      t[r] = r % 5 == 2 ? -1 : random.nextInt(classes);
    }
    return t;
  }

  /** Loss and dLogits of a wide row set (runs on several threads), garbage in dLogits beforehand. */
  @Test
  void lossAndGradientMatchNaive() {
    Random random = new Random(1);
    float[] logits = uniform(random, ROWS * CLASSES, -8, 8);
    int[] targets = targets(random, ROWS, CLASSES);
    Slice d = put(kernels, uniform(random, ROWS * CLASSES));
    float scale = 0.25f;
    double loss = kernels.softmaxCrossEntropy(put(kernels, logits), targets, ROWS, CLASSES, d, scale);
    double[] ld = doubles(logits);
    double want = loss(ld, targets, CLASSES);
    assertEquals(want, loss, 1e-6 * Math.abs(want));
    double[] grad = new double[ld.length];
    for (int r = 0; r < ROWS; r++) {
      if (targets[r] < 0) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        max = Math.max(max, ld[r * CLASSES + c]);
      }
      double sum = 0;
      for (int c = 0; c < CLASSES; c++) {
        sum += Math.exp(ld[r * CLASSES + c] - max);
      }
      for (int c = 0; c < CLASSES; c++) {
        grad[r * CLASSES + c] = scale * (Math.exp(ld[r * CLASSES + c] - max) / sum
            - (c == targets[r] ? 1 : 0));
      }
    }
    float[] got = get(kernels, d, ROWS * CLASSES);
    assertClose(grad, got, 1e-7, "dLogits");
    for (int r = 2; r < ROWS; r += 5) {
      for (int c = 0; c < CLASSES; c++) {
        assertEquals(0f, got[r * CLASSES + c], "ignored row " + r + " must have a zero gradient");
      }
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Random random = new Random(2);
    int rows = 7;
    int classes = 9;
    float[] logits = uniform(random, rows * classes, -3, 3);
    int[] targets = targets(random, rows, classes);
    Slice d = zeros(kernels, rows * classes);
    kernels.softmaxCrossEntropy(put(kernels, logits), targets, rows, classes, d, 1.5f);
    double[] want = gradient(x -> 1.5 * loss(x, targets, classes), doubles(logits));
    assertGradient(want, get(kernels, d, rows * classes), "dLogits");
  }

  @Test
  void inPlaceGivesTheSameAsSeparate() {
    Random random = new Random(3);
    float[] logits = uniform(random, ROWS * CLASSES, -5, 5);
    int[] targets = targets(random, ROWS, CLASSES);
    Slice separate = zeros(kernels, ROWS * CLASSES);
    double a = kernels.softmaxCrossEntropy(put(kernels, logits), targets, ROWS, CLASSES, separate,
        1f);
    Slice same = put(kernels, logits);
    double b = kernels.softmaxCrossEntropy(same, targets, ROWS, CLASSES, same, 1f);
    assertEquals(a, b);
    assertArrayEquals(get(kernels, separate, ROWS * CLASSES), get(kernels, same, ROWS * CLASSES));
  }

  @Test
  void hugeLogitsStayFinite() {
    float[] logits = {3000f, -2000f, 2990f, 1e4f, 1e4f, -1e4f};
    Slice d = zeros(kernels, 6);
    double loss = kernels.softmaxCrossEntropy(put(kernels, logits), new int[] {2, 0}, 2, 3, d, 1f);
    double want = (Math.log(1 + Math.exp(-10)) + 10) + (Math.log(2));
    assertEquals(want, loss, 1e-5);
    float[] g = get(kernels, d, 6);
    assertEquals(-0.5f, g[3], 1e-6f);
    assertEquals(0.5f, g[4], 1e-6f);
  }

  @Test
  void targetOutsideTheClassesIsRejectedWithRowAndValue() {
    Slice s = zeros(kernels, 12);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kernels.softmaxCrossEntropy(s, new int[] {0, 1, 4}, 3, 4, s, 1f));
    assertTrue(e.getMessage().contains("targets[2] = 4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> kernels.softmaxCrossEntropy(s, new int[] {-2, 1, 0}, 3, 4, s, 1f));
    assertTrue(e.getMessage().contains("targets[0] = -2"), e.getMessage());
  }
}
