package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.ArgumentChecksContract.rejects;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * firstNonFinite: the lowest index (from the slice) of a NaN or ±∞, −1 when every float is finite,
 * wherever the hits lie relative to the backend's chunks and blocks (also millions of floats in);
 * the largest floats (whose sums overflow), subnormals and −0 are finite; floats past
 * {@code count} are not looked at.
 */
public abstract class NonFiniteContract extends KernelsContract {
  private static final int N = 1_000_003;
  private static final float[] NON_FINITE = {Float.NaN, Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0xffc00001), Float.intBitsToFloat(0x7f800001)};

  /** The index found in {@code x} (in memory with room after it), the memory then closed. */
  private long first(float[] x, int count) {
    Slice s = put(kernels, x, 5);
    try {
      return kernels.firstNonFinite(s, count);
    } finally {
      s.memory().close();
    }
  }

  @Test
  void allFiniteIsMinusOne() {
    float[] x = uniform(new Random(1), N, -1e30, 1e30);
    x[7] = Float.MAX_VALUE;
    x[8] = -Float.MAX_VALUE;
    x[9] = Float.MIN_VALUE;
    x[10] = -0f;
    x[N - 1] = Float.MIN_NORMAL;
    assertEquals(-1, first(x, N));
    assertEquals(-1, first(new float[0], 0));
  }

  @Test
  void findsEachKindOfNonFiniteAnywhere() {
    int[] at = {0, 1, 255, 256, 1023, 1024, 1025, 8191, 8192, 65_537, N / 2, N - 2, N - 1};
    float[] x = uniform(new Random(2), N);
    for (int i = 0; i < at.length; i++) {
      float bad = NON_FINITE[i % NON_FINITE.length];
      x[at[i]] = bad;
      assertEquals(at[i], first(x, N), Float.floatToRawIntBits(bad) + " at " + at[i]);
      x[at[i]] = 0.5f;
    }
  }

  @Test
  void findsNonFiniteAfterMillionsOfFiniteFloats() {
    int n = 3 * N;
    float[] x = uniform(new Random(5), n, -1e3, 1e3);
    assertEquals(-1, first(x, n));
    int[] at = {(1 << 20) - 1, 1 << 20, (1 << 21) + 1, n - 1};
    for (int i = 0; i < at.length; i++) {
      float bad = NON_FINITE[i % NON_FINITE.length];
      x[at[i]] = bad;
      assertEquals(at[i], first(x, n), Float.floatToRawIntBits(bad) + " at " + at[i]);
      x[at[i]] = 0.5f;
    }
    x[1] = Float.MAX_VALUE;
    x[2] = Float.MAX_VALUE;
    assertEquals(-1, first(x, n), "finite values whose sum overflows");
    x[n - 2] = Float.NaN;
    assertEquals(n - 2, first(x, n), "finite values whose sum overflows, then a NaN");
  }

  @Test
  void theLowestOfSeveralWins() {
    float[] x = uniform(new Random(3), N);
    Random random = new Random(4);
    for (int trial = 0; trial < 8; trial++) {
      float[] y = x.clone();
      int lowest = N;
      for (int k = 0; k < 1 + trial * 3; k++) {
        int i = random.nextInt(N);
        y[i] = NON_FINITE[random.nextInt(NON_FINITE.length)];
        lowest = Math.min(lowest, i);
      }
      y[N - 1] = Float.NaN;
      assertEquals(lowest, first(y, N), "trial " + trial);
    }
  }

  @Test
  void countsFromTheSliceAndStopsAtCount() {
    float[] x = {1f, 2f, Float.NaN, 4f};
    Slice s = put(kernels, x, 5);
    assertEquals(2, kernels.firstNonFinite(s, 4));
    assertEquals(-1, kernels.firstNonFinite(s, 2));
    assertEquals(1, kernels.firstNonFinite(s.plus(1), 3));
    assertEquals(-1, kernels.firstNonFinite(s.plus(3), 1));
  }

  @Test
  void badArgumentsAreNamed() {
    Slice s = put(kernels, new float[4]);
    rejects(() -> kernels.firstNonFinite(s, 5), "firstNonFinite: x needs 5 floats");
    rejects(() -> kernels.firstNonFinite(s, -1), "firstNonFinite: count must be >= 0");
    rejects(() -> kernels.firstNonFinite(null, 1), "firstNonFinite: x is null");
  }
}
