package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.minus;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * rmsNorm (with and without residual, with and without γ) and rmsNormBackward against a naive
 * double reference and its finite differences.
 */
public abstract class RmsNormContract extends KernelsContract {
  private static final int ROWS = 6;
  private static final int WIDTH = 9;
  private static final float EPS = 1e-6f;

  /** out = γ·h/√(mean(h²) + eps) with h = x + residual (residual and gamma may be null). */
  static double[] rmsNorm(double[] x, double[] residual, double[] gamma, int rows, int width,
      double eps, double[] rstdOut) {
    double[] out = new double[rows * width];
    for (int r = 0; r < rows; r++) {
      double squares = 0;
      for (int j = 0; j < width; j++) {
        double h = h(x, residual, r * width + j);
        squares += h * h;
      }
      double rstd = 1 / Math.sqrt(squares / width + eps);
      for (int j = 0; j < width; j++) {
        double n = h(x, residual, r * width + j) * rstd;
        out[r * width + j] = gamma == null ? n : gamma[j] * n;
      }
      if (rstdOut != null) {
        rstdOut[r] = rstd;
      }
    }
    return out;
  }

  private static double h(double[] x, double[] residual, int i) {
    return residual == null ? x[i] : x[i] + residual[i];
  }

  @ParameterizedTest(name = "residual {0}, gamma {1}")
  @CsvSource({"false, false", "false, true", "true, false", "true, true"})
  void forwardMatchesNaive(boolean withResidual, boolean withGamma) {
    Random random = new Random(1);
    float[] x = uniform(random, ROWS * WIDTH, -3, 3);
    float[] res = uniform(random, ROWS * WIDTH, -3, 3);
    float[] gamma = uniform(random, WIDTH, 0.5, 1.5);
    Slice xs = put(kernels, x);
    Slice out = put(kernels, uniform(random, ROWS * WIDTH));
    Slice rstd = zeros(kernels, ROWS);
    kernels.rmsNorm(xs, withResidual ? put(kernels, res) : null,
        withGamma ? put(kernels, gamma) : null, EPS, out, rstd, ROWS, WIDTH);
    double[] wantRstd = new double[ROWS];
    double[] want = rmsNorm(doubles(x), withResidual ? doubles(res) : null,
        withGamma ? doubles(gamma) : null, ROWS, WIDTH, EPS, wantRstd);
    assertClose(want, get(kernels, out, ROWS * WIDTH), 1e-5, "out");
    assertClose(wantRstd, get(kernels, rstd, ROWS), 1e-6, "rstd");
    float[] h = x.clone();
    if (withResidual) {
      for (int i = 0; i < h.length; i++) {
        h[i] += res[i];
      }
    }
    assertArrayEquals(h, get(kernels, xs, ROWS * WIDTH), "x must hold h = x + residual");
  }

  @ParameterizedTest(name = "residual {0}, gamma {1}")
  @CsvSource({"false, false", "false, true", "true, false", "true, true"})
  void backwardMatchesFiniteDifferences(boolean withResidual, boolean withGamma) {
    Random random = new Random(3);
    float[] x = uniform(random, ROWS * WIDTH, -3, 3);
    float[] res = uniform(random, ROWS * WIDTH, -3, 3);
    float[] gamma = uniform(random, WIDTH, 0.5, 1.5);
    float[] w = uniform(random, ROWS * WIDTH);
    float[] dGamma0 = uniform(random, WIDTH);
    Slice xs = put(kernels, x);
    Slice gs = withGamma ? put(kernels, gamma) : null;
    Slice rstd = zeros(kernels, ROWS);
    kernels.rmsNorm(xs, withResidual ? put(kernels, res) : null, gs, EPS,
        zeros(kernels, ROWS * WIDTH), rstd, ROWS, WIDTH);
    Slice dH = put(kernels, uniform(random, ROWS * WIDTH));
    Slice dGamma = withGamma ? put(kernels, dGamma0) : null;
    kernels.rmsNormBackward(put(kernels, w), xs, rstd, gs, dH, dGamma, ROWS, WIDTH);

    double[] xd = doubles(x);
    double[] rd = withResidual ? doubles(res) : null;
    double[] gd = withGamma ? doubles(gamma) : null;
    double[] gx = gradient(v -> KernelTesting.dot(w, rmsNorm(v, rd, gd, ROWS, WIDTH, EPS, null)),
        xd);
    assertGradient(gx, get(kernels, dH, ROWS * WIDTH), "dH");
    if (withGamma) {
      double[] gg = gradient(v -> KernelTesting.dot(w, rmsNorm(xd, rd, v, ROWS, WIDTH, EPS,
          null)), gd);
      assertGradient(gg, minus(get(kernels, dGamma, WIDTH), dGamma0), "dGamma (accumulated)");
    }
    if (withResidual) {
      double[] gr = gradient(v -> KernelTesting.dot(w, rmsNorm(xd, v, gd, ROWS, WIDTH, EPS,
          null)), doubles(res));
      assertGradient(gr, get(kernels, dH, ROWS * WIDTH), "dResidual (= dH)");
    }
  }

  /** dH may be dOut; and the γ sums come out the same bit for bit on every run. */
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
    Slice rstd = zeros(kernels, rows);
    kernels.rmsNorm(xs, null, gs, EPS, zeros(kernels, rows * width), rstd, rows, width);
    Slice separate = zeros(kernels, rows * width);
    Slice dGamma1 = zeros(kernels, width);
    kernels.rmsNormBackward(put(kernels, dOut), xs, rstd, gs, separate, dGamma1, rows, width);
    Slice inPlace = put(kernels, dOut);
    Slice dGamma2 = zeros(kernels, width);
    kernels.rmsNormBackward(inPlace, xs, rstd, gs, inPlace, dGamma2, rows, width);
    assertArrayEquals(get(kernels, separate, rows * width), get(kernels, inPlace, rows * width));
    assertArrayEquals(get(kernels, dGamma1, width), get(kernels, dGamma2, width));
  }
}
