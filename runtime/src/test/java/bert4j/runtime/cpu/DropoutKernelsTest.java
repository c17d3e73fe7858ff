package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.kernels.contract.AttentionContract;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend draws the dropout mask with integer arithmetic ({@link DropoutKernels#factors});
 * it must keep exactly the elements the documented float test keeps, at the boundary too.
 */
class DropoutKernelsTest {
  private static final long SEED = 0x5EEDL;

  @Test
  void factorsKeepWhatTheDocumentedMaskKeeps() {
    int n = 1 << 16;
    float[] factor = new float[n];
    for (float p : new float[] {1e-7f, 0.1f, 0.5f, 0.9f, Math.nextDown(1f)}) {
      DropoutKernels.factors(SEED, 12_345L, p, factor, n, new long[n]);
      for (int j = 0; j < n; j++) {
        float want = AttentionContract.keep(SEED, 12_345L + j, p) ? 1f / (1f - p) : 0f;
        assertEquals(want, factor[j], "p = " + p + ", element " + j);
      }
    }
  }

  /** A rate equal to an element's own uniform keeps it; the next float up drops it. */
  @Test
  void anElementWhoseUniformEqualsTheRateIsKept() {
    float[] factor = new float[1];
    for (long index = 0; index < 1_000; index++) {
      float u = uniform(SEED, index);
      if (u == 0f) {
        continue;
      }
      DropoutKernels.factors(SEED, index, u, factor, 1, new long[1]);
      assertEquals(1f / (1f - u), factor[0], "index " + index + ", p = u = " + u);
      DropoutKernels.factors(SEED, index, Math.nextUp(u), factor, 1, new long[1]);
      assertEquals(0f, factor[0], "index " + index + ", p just above u = " + u);
    }
  }

  /** u = (mix64(seed ^ i·golden) >>> 40)·2⁻²⁴, written out here as the contract documents it. */
  private static float uniform(long seed, long index) {
    long z = seed ^ (index * 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (z >>> 40) * 0x1.0p-24f;
  }
}
