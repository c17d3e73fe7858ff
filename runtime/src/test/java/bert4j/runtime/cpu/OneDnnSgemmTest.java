package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * oneDNN's float32 products against a double-precision reference written here: random shapes (1 to
 * 150), both transposes, padded leading dimensions, operands at offsets, alpha, accumulate, B as it
 * lies or packed before the product, and the dense layer's product with and without a bias; and the
 * primitive cache stays bounded.
 */
class OneDnnSgemmTest {
  private static OneDnn dnnl;

  @BeforeAll
  static void load() {
    dnnl = OneDnn.get();
    assumeTrue(dnnl != null, () -> "oneDNN not loadable here: " + OneDnn.failure());
  }

  @Test
  void randomShapesMatchDoubleReference() {
    SplittableRandom random = new SplittableRandom(11);
    try (OneDnnSgemm sgemm = new OneDnnSgemm(dnnl)) {
      for (int trial = 0; trial < 200; trial++) {
        boolean transA = random.nextBoolean();
        boolean transB = random.nextBoolean();
        boolean accumulate = random.nextInt(3) == 0;
        boolean packB = random.nextInt(3) == 0;
        float alpha = accumulate || random.nextBoolean() ? 1f : 0.375f;
        int m = 1 + random.nextInt(150);
        int n = 1 + random.nextInt(150);
        int k = 1 + random.nextInt(150);
        int lda = (transA ? m : k) + random.nextInt(4);
        int ldb = (transB ? k : n) + random.nextInt(4);
        int ldc = n + random.nextInt(4);
        int aOff = random.nextInt(5);
        int bOff = random.nextInt(5);
        int cOff = random.nextInt(5);
        float[] a = values(random, aOff + (transA ? k : m) * lda);
        float[] b = values(random, bOff + (transB ? n : k) * ldb);
        float[] c = values(random, cOff + m * ldc);
        double[] expected = new double[c.length];
        for (int i = 0; i < c.length; i++) {
          expected[i] = c[i];
        }
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double sum = accumulate ? c[cOff + i * ldc + j] : 0;
            double dot = 0;
            for (int p = 0; p < k; p++) {
              double av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
              double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
              dot += av * bv;
            }
            expected[cOff + i * ldc + j] = sum + alpha * dot;
          }
        }
        CpuWindow cw = window(c);
        sgemm.gemm(transA, transB, m, n, k, alpha, window(a), aOff, lda, window(b), bOff, ldb,
            accumulate, cw, cOff, ldc, packB);
        String what = "trial " + trial + ": " + (transA ? "T" : "N") + (transB ? "T" : "N") + " m="
            + m + " n=" + n + " k=" + k + " alpha=" + alpha + (accumulate ? " accumulate" : "")
            + (packB ? " packed B" : "") + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc;
        assertClose(expected, cw.floats(), k, what);
      }
      assertTrue(sgemm.cached() <= OneDnnSgemm.CAPACITY, "cached " + sgemm.cached());
    }
  }

  @Test
  void linearAddsTheBiasToEachRow() {
    SplittableRandom random = new SplittableRandom(5);
    int rows = 37;
    int in = 53;
    int out = 29;
    int xStride = in + 3;
    float[] x = values(random, rows * xStride);
    float[] w = values(random, 7 + out * in);
    float[] bias = values(random, 2 + out);
    try (OneDnnSgemm sgemm = new OneDnnSgemm(dnnl)) {
      for (boolean withBias : new boolean[] {true, false}) {
        int yStride = out + 5;
        float[] untouched = values(random, rows * yStride);
        CpuWindow pre = window(untouched.clone());
        sgemm.linear(window(x), 0, xStride, window(w), 7, withBias ? window(bias) : null, 2, null,
            pre, 0, yStride, rows, in, out);
        double[] expected = new double[rows * yStride];
        for (int r = 0; r < rows; r++) {
          for (int o = out; o < yStride; o++) {
            expected[r * yStride + o] = untouched[r * yStride + o];
          }
        }
        for (int r = 0; r < rows; r++) {
          for (int o = 0; o < out; o++) {
            double sum = withBias ? bias[2 + o] : 0;
            for (int i = 0; i < in; i++) {
              sum += (double) x[r * xStride + i] * w[7 + o * in + i];
            }
            expected[r * yStride + o] = sum;
          }
        }
        assertClose(expected, pre.floats(), in, withBias ? "with bias" : "without bias");
      }
    }
  }

  @Test
  void primitiveCacheIsBounded() {
    try (OneDnnSgemm sgemm = new OneDnnSgemm(dnnl)) {
      CpuWindow a = window(new float[OneDnnSgemm.CAPACITY + 20]);
      CpuWindow c = window(new float[OneDnnSgemm.CAPACITY + 20]);
      for (int m = 1; m <= OneDnnSgemm.CAPACITY + 10; m++) {
        sgemm.gemm(false, false, m, 1, 1, 1f, a, 0, 1, a, 0, 1, false, c, 0, 1);
      }
      assertEquals(OneDnnSgemm.CAPACITY, sgemm.cached());
    }
  }

  private static void assertClose(double[] expected, FloatBuffer actual, int depth, String what) {
    for (int i = 0; i < expected.length; i++) {
      double tolerance = 1e-5 * (1 + Math.abs(expected[i])) * Math.sqrt(depth + 1);
      assertEquals(expected[i], actual.get(i), tolerance, what + ", element " + i);
    }
  }

  private static float[] values(SplittableRandom random, int count) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return v;
  }

  private static CpuWindow window(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * Math.max(1, values.length))
        .order(ByteOrder.nativeOrder()).asFloatBuffer();
    b.put(values).clear();
    return new CpuWindow(b, values.length, 1);
  }
}
