package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.KernelTesting.assertClose;
import static bert4j.runtime.cpu.KernelTesting.assertGradient;
import static bert4j.runtime.cpu.KernelTesting.doubles;
import static bert4j.runtime.cpu.KernelTesting.get;
import static bert4j.runtime.cpu.KernelTesting.gradient;
import static bert4j.runtime.cpu.KernelTesting.minus;
import static bert4j.runtime.cpu.KernelTesting.put;
import static bert4j.runtime.cpu.KernelTesting.uniform;
import static bert4j.runtime.cpu.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** layerNorm (with and without residual) and layerNormBackward against naive double references. */
class CpuLayerNormTest {
  private static final int ROWS = 6;
  private static final int WIDTH = 9;
  private static final float EPS = 1e-5f;
  private static CpuKernels kernels;

  @BeforeAll
  static void start() {
    kernels = new CpuKernels(2);
  }

  @AfterAll
  static void stop() {
    kernels.close();
  }

  /** out = γ·(h − mean)/√(var + eps) + β with h = x + residual (residual may be null). */
  static double[] layerNorm(double[] x, double[] residual, double[] gamma, double[] beta, int rows,
      int width, double eps, double[] meanOut, double[] rstdOut) {
    double[] out = new double[rows * width];
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int j = 0; j < width; j++) {
        mean += h(x, residual, r * width + j);
      }
      mean /= width;
      double var = 0;
      for (int j = 0; j < width; j++) {
        double d = h(x, residual, r * width + j) - mean;
        var += d * d;
      }
      var /= width;
      double rstd = 1 / Math.sqrt(var + eps);
      for (int j = 0; j < width; j++) {
        out[r * width + j] = gamma[j] * (h(x, residual, r * width + j) - mean) * rstd + beta[j];
      }
      if (meanOut != null) {
        meanOut[r] = mean;
        rstdOut[r] = rstd;
      }
    }
    return out;
  }

  private static double h(double[] x, double[] residual, int i) {
    return residual == null ? x[i] : x[i] + residual[i];
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void forwardMatchesNaive(boolean withResidual) {
    Random random = new Random(1);
    float[] x = uniform(random, ROWS * WIDTH, -3, 3);
    float[] res = uniform(random, ROWS * WIDTH, -3, 3);
    float[] gamma = uniform(random, WIDTH, 0.5, 1.5);
    float[] beta = uniform(random, WIDTH);
    Slice xs = put(kernels, x);
    Slice out = zeros(kernels, ROWS * WIDTH);
    Slice mean = zeros(kernels, ROWS);
    Slice rstd = zeros(kernels, ROWS);
    kernels.layerNorm(xs, withResidual ? put(kernels, res) : null, put(kernels, gamma),
        put(kernels, beta), EPS, out, mean, rstd, ROWS, WIDTH);
    double[] wantMean = new double[ROWS];
    double[] wantRstd = new double[ROWS];
    double[] want = layerNorm(doubles(x), withResidual ? doubles(res) : null, doubles(gamma),
        doubles(beta), ROWS, WIDTH, EPS, wantMean, wantRstd);
    assertClose(want, get(kernels, out, ROWS * WIDTH), 1e-5, "out");
    assertClose(wantMean, get(kernels, mean, ROWS), 1e-6, "mean");
    assertClose(wantRstd, get(kernels, rstd, ROWS), 1e-5, "rstd");
    float[] h = x.clone();
    if (withResidual) {
      for (int i = 0; i < h.length; i++) {
        h[i] += res[i];
      }
    }
    assertArrayEquals(h, get(kernels, xs, ROWS * WIDTH), "x must hold h = x + residual");
  }

  /** A large common offset: a one-pass E[x²] − E[x]² in float would lose the variance entirely. */
  @Test
  void varianceIsStableUnderALargeOffset() {
    Random random = new Random(2);
    float[] x = uniform(random, ROWS * WIDTH, 1000, 1000.01);
    float[] gamma = uniform(random, WIDTH, 0.5, 1.5);
    float[] beta = uniform(random, WIDTH);
    Slice out = zeros(kernels, ROWS * WIDTH);
    Slice rstd = zeros(kernels, ROWS);
    kernels.layerNorm(put(kernels, x), null, put(kernels, gamma), put(kernels, beta), 1e-12f, out,
        zeros(kernels, ROWS), rstd, ROWS, WIDTH);
    double[] wantRstd = new double[ROWS];
    double[] want = layerNorm(doubles(x), null, doubles(gamma), doubles(beta), ROWS, WIDTH, 1e-12,
        new double[ROWS], wantRstd);
    float[] gotRstd = get(kernels, rstd, ROWS);
    for (int r = 0; r < ROWS; r++) {
      double rel = Math.abs(gotRstd[r] - wantRstd[r]) / wantRstd[r];
      if (rel > 1e-5) {
        throw new AssertionError("row " + r + ": rstd " + gotRstd[r] + ", want " + wantRstd[r]);
      }
    }
    assertClose(want, get(kernels, out, ROWS * WIDTH), 1e-4, "out");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void backwardMatchesFiniteDifferences(boolean withResidual) {
    Random random = new Random(3);
    float[] x = uniform(random, ROWS * WIDTH, -3, 3);
    float[] res = uniform(random, ROWS * WIDTH, -3, 3);
    float[] gamma = uniform(random, WIDTH, 0.5, 1.5);
    float[] beta = uniform(random, WIDTH);
    float[] w = uniform(random, ROWS * WIDTH);
    float[] dGamma0 = uniform(random, WIDTH);
    float[] dBeta0 = uniform(random, WIDTH);
    Slice xs = put(kernels, x);
    Slice gs = put(kernels, gamma);
    Slice mean = zeros(kernels, ROWS);
    Slice rstd = zeros(kernels, ROWS);
    kernels.layerNorm(xs, withResidual ? put(kernels, res) : null, gs, put(kernels, beta), EPS,
        zeros(kernels, ROWS * WIDTH), mean, rstd, ROWS, WIDTH);
    Slice dH = put(kernels, uniform(random, ROWS * WIDTH));
    Slice dGamma = put(kernels, dGamma0);
    Slice dBeta = put(kernels, dBeta0);
    kernels.layerNormBackward(put(kernels, w), xs, mean, rstd, gs, dH, dGamma, dBeta, ROWS, WIDTH);

    double[] xd = doubles(x);
    double[] rd = withResidual ? doubles(res) : null;
    double[] gd = doubles(gamma);
    double[] bd = doubles(beta);
    double[] gx = gradient(v -> KernelTesting.dot(w, layerNorm(v, rd, gd, bd, ROWS, WIDTH, EPS,
        null, null)), xd);
    double[] gg = gradient(v -> KernelTesting.dot(w, layerNorm(xd, rd, v, bd, ROWS, WIDTH, EPS,
        null, null)), gd);
    double[] gb = gradient(v -> KernelTesting.dot(w, layerNorm(xd, rd, gd, v, ROWS, WIDTH, EPS,
        null, null)), bd);
    assertGradient(gx, get(kernels, dH, ROWS * WIDTH), "dH");
    assertGradient(gg, minus(get(kernels, dGamma, WIDTH), dGamma0), "dGamma");
    assertGradient(gb, minus(get(kernels, dBeta, WIDTH), dBeta0), "dBeta");
    if (withResidual) {
      double[] gr = gradient(v -> KernelTesting.dot(w, layerNorm(xd, v, gd, bd, ROWS, WIDTH, EPS,
          null, null)), doubles(res));
      assertGradient(gr, get(kernels, dH, ROWS * WIDTH), "dResidual (= dH)");
    }
  }

  /** dH may be dOut; and the γ, β sums come out the same bit for bit on every run. */
  @Test
  void backwardInPlaceAndReproducible() {
    Random random = new Random(4);
    int rows = 300;
    int width = 260;
    float[] x = uniform(random, rows * width, -3, 3);
    float[] gamma = uniform(random, width, 0.5, 1.5);
    float[] dOut = uniform(random, rows * width);
    Slice xs = put(kernels, x);
    Slice gs = put(kernels, gamma);
    Slice mean = zeros(kernels, rows);
    Slice rstd = zeros(kernels, rows);
    kernels.layerNorm(xs, null, gs, put(kernels, new float[width]), EPS, zeros(kernels,
        rows * width), mean, rstd, rows, width);
    Slice separate = zeros(kernels, rows * width);
    Slice dGamma1 = zeros(kernels, width);
    Slice dBeta1 = zeros(kernels, width);
    kernels.layerNormBackward(put(kernels, dOut), xs, mean, rstd, gs, separate, dGamma1, dBeta1,
        rows, width);
    Slice inPlace = put(kernels, dOut);
    Slice dGamma2 = zeros(kernels, width);
    Slice dBeta2 = zeros(kernels, width);
    kernels.layerNormBackward(inPlace, xs, mean, rstd, gs, inPlace, dGamma2, dBeta2, rows, width);
    assertArrayEquals(get(kernels, separate, rows * width), get(kernels, inPlace, rows * width));
    assertArrayEquals(get(kernels, dGamma1, width), get(kernels, dGamma2, width));
    assertArrayEquals(get(kernels, dBeta1, width), get(kernels, dBeta2, width));
  }
}
