package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.KernelTesting.assertGradient;
import static bert4j.runtime.cpu.KernelTesting.doubles;
import static bert4j.runtime.cpu.KernelTesting.get;
import static bert4j.runtime.cpu.KernelTesting.gradient;
import static bert4j.runtime.cpu.KernelTesting.put;
import static bert4j.runtime.cpu.KernelTesting.uniform;
import static bert4j.runtime.cpu.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** dropout and dropoutBackward: the documented counter-based mask, its rate, determinism, backward. */
class CpuDropoutTest {
  private static final int N = 100_000;
  private static final float P = 0.3f;
  private static CpuKernels kernels;

  @BeforeAll
  static void start() {
    kernels = new CpuKernels(2);
  }

  @AfterAll
  static void stop() {
    kernels.close();
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    Arrays.fill(a, 1f);
    return a;
  }

  private static float[] dropout(float[] x, float p, long seed) {
    Slice out = zeros(kernels, x.length);
    kernels.dropout(put(kernels, x), out, x.length, p, seed);
    return get(kernels, out, x.length);
  }

  @Test
  void keepsTheDocumentedElementsScaledByOneOverOneMinusP() {
    float[] x = uniform(new Random(1), N);
    float[] got = dropout(x, P, 42);
    int kept = 0;
    for (int i = 0; i < N; i++) {
      boolean keep = CpuAttentionTest.keep(42, i, P);
      assertEquals(keep ? x[i] * (1f / (1f - P)) : 0f, got[i], 0f, "element " + i);
      kept += keep ? 1 : 0;
    }
    double rate = kept / (double) N;
    assertTrue(Math.abs(rate - (1 - P)) < 0.01, "keep rate " + rate);
  }

  @Test
  void sameSeedSameMaskOtherSeedOtherMask() {
    float[] x = ones(N);
    float[] a = dropout(x, P, 7);
    assertArrayEquals(a, dropout(x, P, 7));
    float[] b = dropout(x, P, 8);
    int differ = 0;
    for (int i = 0; i < N; i++) {
      differ += (a[i] == 0) != (b[i] == 0) ? 1 : 0;
    }
    double expected = 2 * P * (1 - P);
    assertTrue(Math.abs(differ / (double) N - expected) < 0.01,
        "masks of two seeds should be independent, differ at " + differ);
  }

  @Test
  void backwardUsesTheSameMask() {
    float[] ones = ones(N);
    float[] forward = dropout(ones, P, 11);
    float[] dOut = uniform(new Random(2), N);
    Slice dx = zeros(kernels, N);
    kernels.dropoutBackward(put(kernels, dOut), dx, N, P, 11);
    float[] got = get(kernels, dx, N);
    for (int i = 0; i < N; i++) {
      assertEquals(dOut[i] * forward[i], got[i], "element " + i);
    }
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    int n = 50;
    float[] x = uniform(new Random(3), n);
    float[] w = uniform(new Random(4), n);
    Slice dx = zeros(kernels, n);
    kernels.dropoutBackward(put(kernels, w), dx, n, 0.5f, 5);
    double[] want = gradient(v -> {
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        y[i] = CpuAttentionTest.keep(5, i, 0.5f) ? v[i] / 0.5 : 0;
      }
      return KernelTesting.dot(w, y);
    }, doubles(x));
    assertGradient(want, get(kernels, dx, n), "dx");
  }

  @Test
  void inPlaceAndZeroRateIsIdentity() {
    float[] x = uniform(new Random(6), N);
    assertArrayEquals(x, dropout(x, 0f, 3), "p = 0 copies");
    Slice s = put(kernels, x);
    kernels.dropout(s, s, N, 0f, 3);
    assertArrayEquals(x, get(kernels, s, N), "p = 0 in place");
    kernels.dropout(s, s, N, P, 3);
    assertArrayEquals(dropout(x, P, 3), get(kernels, s, N), "out may be x");
    float[] kept = get(kernels, s, N);
    assertFalse(Arrays.equals(x, kept));
  }

  @Test
  void rateOutsideZeroToOneIsRejected() {
    Slice s = zeros(kernels, 4);
    assertThrows(IllegalArgumentException.class, () -> kernels.dropout(s, s, 4, 1f, 0));
    assertThrows(IllegalArgumentException.class, () -> kernels.dropoutBackward(s, s, 4, -0.1f, 0));
    assertThrows(IllegalArgumentException.class, () -> kernels.dropout(s, s, 4, Float.NaN, 0));
  }
}
