package bert4j.runtime.kernels.contract;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Slice;
import java.util.Random;

/**
 * Helpers for the kernel tests: host data in and out of backend memory (at a non-zero offset, so
 * offsets are always exercised), central finite differences in double precision, and error norms.
 */
public final class KernelTesting {
  /** Every test slice starts this far into its memory. */
  public static final int PAD = 3;
  /** Relative error allowed between a float backward and a double finite-difference gradient. */
  public static final double GRAD_TOLERANCE = 1e-3;

  private KernelTesting() {}

  /** A function of one double array (the others held fixed), for finite differences. */
  @FunctionalInterface
  public interface Objective {
    double value(double[] x);
  }

  public static float[] uniform(Random random, int n, double lo, double hi) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (lo + (hi - lo) * random.nextDouble());
    }
    return a;
  }

  public static float[] uniform(Random random, int n) {
    return uniform(random, n, -1, 1);
  }

  /** New memory holding {@code data} from offset {@link #PAD}, with {@code slack} floats after it. */
  public static Slice put(Kernels kernels, float[] data, int slack) {
    Slice slice = new Slice(kernels.allocate(PAD + data.length + slack), PAD);
    kernels.write(data, 0, slice, data.length);
    return slice;
  }

  public static Slice put(Kernels kernels, float[] data) {
    return put(kernels, data, 0);
  }

  /** New zero memory of n floats from offset {@link #PAD}. */
  public static Slice zeros(Kernels kernels, int n) {
    return new Slice(kernels.allocate(PAD + n), PAD);
  }

  public static float[] get(Kernels kernels, Slice slice, int n) {
    float[] a = new float[n];
    kernels.read(slice, a, 0, n);
    return a;
  }

  public static double[] doubles(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  /** ∂f/∂x by central differences in double, every coordinate. */
  public static double[] gradient(Objective f, double[] x) {
    double[] g = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double saved = x[i];
      double h = 1e-6 * Math.max(1, Math.abs(saved));
      x[i] = saved + h;
      double up = f.value(x);
      x[i] = saved - h;
      double down = f.value(x);
      x[i] = saved;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  }

  /** Σ w ⊙ y, the random scalar objective whose gradient the backward tests compare. */
  public static double dot(float[] w, double[] y) {
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      s += w[i] * y[i];
    }
    return s;
  }

  /** ‖got − want‖ / ‖want‖. */
  public static double relativeError(double[] want, float[] got) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < want.length; i++) {
      num += (got[i] - want[i]) * (got[i] - want[i]);
      den += want[i] * want[i];
    }
    return Math.sqrt(num / den);
  }

  public static double maxAbsError(double[] want, float[] got) {
    double m = 0;
    for (int i = 0; i < want.length; i++) {
      m = Math.max(m, Math.abs(got[i] - want[i]));
    }
    return m;
  }

  public static void assertClose(double[] want, float[] got, double maxAbs, String what) {
    double e = maxAbsError(want, got);
    assertTrue(e <= maxAbs, what + ": max abs error " + e + " > " + maxAbs);
  }

  public static void assertGradient(double[] want, float[] got, String what) {
    double norm = 0;
    for (double v : want) {
      norm += v * v;
    }
    assertTrue(norm > 1e-12, what + ": the reference gradient is zero, the test checks nothing");
    double e = relativeError(want, got);
    assertTrue(e <= GRAD_TOLERANCE, what + ": relative gradient error " + e + " > "
        + GRAD_TOLERANCE);
  }

  /**
   * {@link #assertGradient} by central differences at every entry, or, for a large x, at
   * {@code samples} random entries.
   */
  public static void assertSampledGradient(Objective f, double[] x, float[] got, int samples,
      Random random, String what) {
    if (samples >= x.length) {
      assertGradient(gradient(f, x), got, what);
      return;
    }
    double[] want = new double[samples];
    float[] picked = new float[samples];
    for (int t = 0; t < samples; t++) {
      int i = random.nextInt(x.length);
      double saved = x[i];
      double h = 1e-6 * Math.max(1, Math.abs(saved));
      x[i] = saved + h;
      double up = f.value(x);
      x[i] = saved - h;
      double down = f.value(x);
      x[i] = saved;
      want[t] = (up - down) / (2 * h);
      picked[t] = got[i];
    }
    assertGradient(want, picked, what);
  }

  /** got − before, elementwise: what an accumulating kernel added. */
  public static float[] minus(float[] got, float[] before) {
    float[] d = new float[got.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = got[i] - before[i];
    }
    return d;
  }

  /** erf in double: 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)), all terms positive, to 1e-16. */
  public static double erf(double x) {
    double ax = Math.abs(x);
    if (ax > 6) {
      return Math.signum(x);
    }
    double term = ax;
    double sum = ax;
    for (int n = 1; n < 500 && term > 1e-17 * sum; n++) {
      term *= 2 * ax * ax / (2 * n + 1);
      sum += term;
    }
    return Math.signum(x) * 2 / Math.sqrt(Math.PI) * Math.exp(-ax * ax) * sum;
  }
}
