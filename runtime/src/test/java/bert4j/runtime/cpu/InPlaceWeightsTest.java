package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.dsl.Activation;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Float32 weights declared to {@code linearWeight} and packed in place by their first product: the
 * products match a float64 reference and the same weights undeclared; every other access (read,
 * write, fill, copy) sees the Hugging Face layout, and the next product packs again; a weight the
 * packed layout does not fit in its bytes stays as it is and still multiplies right.
 */
class InPlaceWeightsTest {
  /** 256 outputs in two column blocks of 128 (whole blocks of oneDNN's packed layout); 80 inputs. */
  private static final int IN = 80;
  private static final int OUT = 256;

  @BeforeAll
  static void oneDnnLoads() {
    assumeTrue(OneDnn.get() != null, () -> "oneDNN did not load: " + OneDnn.failure());
  }

  @Test
  void packedProductsMatchTheReferenceAndReadsSeeTheWeightsAsWritten() {
    try (CpuKernels k = new CpuKernels(2, CpuMemory.DEFAULT_STRIDE);
        Memory params = k.allocate(7 + IN * OUT + OUT);
        Memory acts = k.allocate(64 * IN + 2 * 64 * OUT)) {
      Random random = new Random(3);
      float[] w = gaussian(random, IN * OUT);
      float[] bias = gaussian(random, OUT);
      float[] x = gaussian(random, 64 * IN);
      Slice wSlice = new Slice(params, 7);
      Slice biasSlice = new Slice(params, 7 + IN * OUT);
      Slice xSlice = new Slice(acts, 0);
      Slice plainOut = new Slice(acts, 64 * IN);
      Slice packedOut = new Slice(acts, 64 * IN + 64 * OUT);
      k.write(w, 0, wSlice, w.length);
      k.write(bias, 0, biasSlice, OUT);
      k.write(x, 0, xSlice, x.length);
      for (int rows : new int[] {64, 1, 17}) {
        k.linear(xSlice, IN, wSlice, biasSlice, null, plainOut, plainOut, rows, IN, OUT);
        float[] plain = read(k, plainOut, rows * OUT);
        k.linearWeight(wSlice, IN, OUT);
        k.linear(xSlice, IN, wSlice, biasSlice, null, packedOut, packedOut, rows, IN, OUT);
        assertEquals(1, k.weightsPackedInPlace(), "the weight is packed after its product");
        float[] packed = read(k, packedOut, rows * OUT);
        float[] reference = reference(x, w, bias, rows);
        for (int i = 0; i < packed.length; i++) {
          assertEquals(reference[i], packed[i], 1e-4, "rows " + rows + " element " + i);
          assertEquals(plain[i], packed[i], 2e-5 * Math.max(1, Math.abs(plain[i])), "rows " + rows);
        }
        assertArrayEquals(w, read(k, wSlice, w.length), "read gives the weights back as written");
        assertEquals(0, k.weightsPackedInPlace(), "reading gave the weight its layout back");
      }
    }
  }

  @Test
  void writesFillsAndCopiesSeeAndChangeTheHuggingFaceLayout() {
    try (CpuKernels k = new CpuKernels(2, CpuMemory.DEFAULT_STRIDE);
        Memory params = k.allocate(2L * IN * OUT);
        Memory acts = k.allocate(8 * IN + 8 * OUT)) {
      Random random = new Random(4);
      float[] w = gaussian(random, IN * OUT);
      float[] x = gaussian(random, 8 * IN);
      Slice wSlice = new Slice(params, 0);
      Slice spare = new Slice(params, IN * OUT);
      Slice xSlice = new Slice(acts, 0);
      Slice out = new Slice(acts, 8 * IN);
      k.write(w, 0, wSlice, w.length);
      k.write(x, 0, xSlice, x.length);
      k.linearWeight(wSlice, IN, OUT);

      k.linear(xSlice, IN, wSlice, null, Activation.GELU, out, out, 8, IN, OUT);
      w[5 * IN + 3] = 2.5f;
      k.write(new float[] {2.5f}, 0, new Slice(params, 5 * IN + 3), 1);
      assertProducts(k, xSlice, wSlice, out, x, w, "after one float is written");

      k.copy(wSlice, spare, IN * OUT);
      assertArrayEquals(w, read(k, spare, w.length), "a copy reads the Hugging Face layout");
      assertProducts(k, xSlice, wSlice, out, x, w, "after the copy");

      k.fill(new Slice(params, 40 * IN), IN, 0.5f);
      java.util.Arrays.fill(w, 40 * IN, 41 * IN, 0.5f);
      assertProducts(k, xSlice, wSlice, out, x, w, "after a row is filled");
      assertArrayEquals(w, read(k, wSlice, w.length), "the weights as written");
    }
  }

  @Test
  void aWeightWhosePackedLayoutIsLargerStaysAsItIs() {
    int out = 2;
    try (CpuKernels k = new CpuKernels(2, CpuMemory.DEFAULT_STRIDE);
        Memory params = k.allocate((long) IN * out);
        Memory acts = k.allocate(8 * IN + 8 * out)) {
      Random random = new Random(5);
      float[] w = gaussian(random, IN * out);
      float[] x = gaussian(random, 8 * IN);
      Slice wSlice = new Slice(params, 0);
      Slice xSlice = new Slice(acts, 0);
      Slice y = new Slice(acts, 8 * IN);
      k.write(w, 0, wSlice, w.length);
      k.write(x, 0, xSlice, x.length);
      k.linearWeight(wSlice, IN, out);
      k.linear(xSlice, IN, wSlice, null, null, y, y, 8, IN, out);
      assertEquals(0, k.weightsPackedInPlace(), "an [80, 2] weight packs into more than its bytes");
      float[] got = read(k, y, 8 * out);
      float[] expected = reference(x, w, null, 8, out);
      for (int i = 0; i < got.length; i++) {
        assertEquals(expected[i], got[i], 1e-4, "element " + i);
      }
    }
  }

  private static void assertProducts(CpuKernels k, Slice xSlice, Slice wSlice, Slice out,
      float[] x, float[] w, String when) {
    k.linear(xSlice, IN, wSlice, null, Activation.GELU, out, out, 8, IN, OUT);
    assertEquals(1, k.weightsPackedInPlace(), when + ": packed again by the product");
    float[] got = read(k, out, 8 * OUT);
    float[] pre = reference(x, w, null, 8);
    for (int i = 0; i < got.length; i++) {
      double v = pre[i];
      double gelu = 0.5 * v * (1 + erf(v / Math.sqrt(2)));
      assertEquals(gelu, got[i], 1e-4, when + ": element " + i);
    }
  }

  private static float[] reference(float[] x, float[] w, float[] bias, int rows) {
    return reference(x, w, bias, rows, OUT);
  }

  private static float[] reference(float[] x, float[] w, float[] bias, int rows, int out) {
    float[] y = new float[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double sum = bias == null ? 0 : bias[o];
        for (int i = 0; i < IN; i++) {
          sum += (double) x[r * IN + i] * w[o * IN + i];
        }
        y[r * out + o] = (float) sum;
      }
    }
    return y;
  }

  /** erf by Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7). */
  private static double erf(double z) {
    double t = 1 / (1 + 0.3275911 * Math.abs(z));
    double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
        + 0.254829592) * t * Math.exp(-z * z);
    return z >= 0 ? y : -y;
  }

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static float[] read(CpuKernels k, Slice slice, int n) {
    float[] v = new float[n];
    k.read(slice, v, 0, n);
    return v;
  }
}
