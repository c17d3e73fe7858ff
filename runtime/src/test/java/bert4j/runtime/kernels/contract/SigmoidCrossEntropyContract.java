package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** sigmoidCrossEntropy: loss and gradient, ignored rows, bad targets, in place, large logits. */
public abstract class SigmoidCrossEntropyContract extends KernelsContract {
  private static final int ROWS = 5000;

  /** Σ −log σ(z) for t = 1 and −log(1 − σ(z)) for t = 0, over rows with t ≥ 0, in double. */
  static double loss(double[] logits, int[] targets) {
    double total = 0;
    for (int r = 0; r < targets.length; r++) {
      double z = logits[r];
      if (targets[r] == 1) {
        total += z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z));
      } else if (targets[r] == 0) {
        total += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      }
    }
    return total;
  }

  private static int[] targets(Random random, int rows) {
    int[] t = new int[rows];
    for (int r = 0; r < rows; r++) {
      t[r] = r % 5 == 2 ? -1 : random.nextInt(2);
    }
    return t;
  }

  /** Loss and dLogits of many rows (several threads' worth), garbage in dLogits beforehand. */
  @Test
  void lossAndGradientMatchNaive() {
    Random random = new Random(1);
    float[] logits = uniform(random, ROWS, -20, 20);
    int[] targets = targets(random, ROWS);
    Slice d = put(kernels, uniform(random, ROWS));
    float scale = 0.25f;
    double loss = kernels.sigmoidCrossEntropy(put(kernels, logits), targets, ROWS, d, scale);
    double want = loss(doubles(logits), targets);
    assertEquals(want, loss, 1e-9 * Math.abs(want));
    double[] grad = new double[ROWS];
    for (int r = 0; r < ROWS; r++) {
      if (targets[r] >= 0) {
        grad[r] = scale * (1 / (1 + Math.exp(-logits[r])) - targets[r]);
      }
    }
    float[] got = get(kernels, d, ROWS);
    assertClose(grad, got, 1e-7, "dLogits");
    for (int r = 2; r < ROWS; r += 5) {
      assertEquals(0f, got[r], "ignored row " + r + " must have a zero gradient");
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Random random = new Random(2);
    int rows = 23;
    float[] logits = uniform(random, rows, -4, 4);
    int[] targets = targets(random, rows);
    Slice d = zeros(kernels, rows);
    kernels.sigmoidCrossEntropy(put(kernels, logits), targets, rows, d, 1.5f);
    double[] want = gradient(x -> 1.5 * loss(x, targets), doubles(logits));
    assertGradient(want, get(kernels, d, rows), "dLogits");
  }

  @Test
  void inPlaceGivesTheSameAsSeparate() {
    Random random = new Random(3);
    float[] logits = uniform(random, ROWS, -8, 8);
    int[] targets = targets(random, ROWS);
    Slice separate = zeros(kernels, ROWS);
    double a = kernels.sigmoidCrossEntropy(put(kernels, logits), targets, ROWS, separate, 1f);
    Slice same = put(kernels, logits);
    double b = kernels.sigmoidCrossEntropy(same, targets, ROWS, same, 1f);
    assertEquals(a, b);
    assertArrayEquals(get(kernels, separate, ROWS), get(kernels, same, ROWS));
  }

  /** softplus without overflow: e^z for |z| of 10⁴ would be ∞ or 0. */
  @Test
  void hugeLogitsStayFinite() {
    float[] logits = {1e4f, -1e4f, 1e4f, -1e4f, 100f};
    int[] targets = {0, 1, 1, 0, 0};
    Slice d = zeros(kernels, 5);
    double loss = kernels.sigmoidCrossEntropy(put(kernels, logits), targets, 5, d, 1f);
    assertEquals(2e4 + 100, loss, 1e-9);
    assertArrayEquals(new float[] {1f, -1f, 0f, 0f, 1f}, get(kernels, d, 5));
  }

  @Test
  void aTargetOtherThanMinusOneZeroOrOneIsRejectedWithRowAndValue() {
    Slice s = zeros(kernels, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kernels.sigmoidCrossEntropy(s, new int[] {0, -1, 2}, 3, s, 1f));
    assertTrue(e.getMessage().contains("sigmoidCrossEntropy: targets[2] = 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> kernels.sigmoidCrossEntropy(s, new int[] {-2, 1, 0}, 3, s, 1f));
    assertTrue(e.getMessage().contains("targets[0] = -2"), e.getMessage());
  }
}
