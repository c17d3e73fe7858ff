package bert4j.runtime.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/** Inputs for the layer norm kernels' tests: uniform values, direct buffers, rows' statistics. */
final class NormTestData {
  private NormTestData() {}

  /** n values uniform in (−scale, scale). */
  static float[] values(SplittableRandom random, int n, double scale) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return x;
  }

  static FloatBuffer buffer(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return b;
  }

  /** Each row's mean and 1/√(biased variance + 1e-12) of h, in double, rounded into the arrays. */
  static void statistics(float[] h, int rows, int width, float[] mean, float[] rstd) {
    for (int r = 0; r < rows; r++) {
      double m = 0;
      for (int j = 0; j < width; j++) {
        m += h[r * width + j];
      }
      m /= width;
      double v = 0;
      for (int j = 0; j < width; j++) {
        v += (h[r * width + j] - m) * (h[r * width + j] - m);
      }
      mean[r] = (float) m;
      rstd[r] = (float) (1 / Math.sqrt(v / width + 1e-12));
    }
  }
}
