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

import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * conditionalLayerNorm (with and without residual) and its backward against a naive double
 * reference and its finite differences: each sequence normalised with its own γ and β rows, dH and
 * the per-sequence dGammas, dBetas overwritten, and the sums the same bit for bit on every run.
 */
public abstract class ConditionalLayerNormContract extends KernelsContract {
  private static final int BATCH = 3;
  private static final int SEQ = 4;
  private static final int WIDTH = 9;
  private static final int ROWS = BATCH * SEQ;
  private static final float EPS = 1e-5f;

  /**
   * out[r] = γ_b·(h[r] − mean)/√(var + eps) + β_b with h = x + residual (residual may be null) and
   * b = r / seq.
   */
  static double[] conditionalLayerNorm(double[] x, double[] residual, double[] gammas,
      double[] betas, int batch, int seq, int width, double eps, double[] meanOut,
      double[] rstdOut) {
    double[] out = new double[batch * seq * width];
    for (int r = 0; r < batch * seq; r++) {
      int b = r / seq;
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
        out[r * width + j] = gammas[b * width + j] * (h(x, residual, r * width + j) - mean) * rstd
            + betas[b * width + j];
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
    float[] gammas = uniform(random, BATCH * WIDTH, 0.5, 1.5);
    float[] betas = uniform(random, BATCH * WIDTH);
    Slice xs = put(kernels, x);
    Slice out = put(kernels, uniform(random, ROWS * WIDTH));
    Slice mean = zeros(kernels, ROWS);
    Slice rstd = zeros(kernels, ROWS);
    kernels.conditionalLayerNorm(xs, withResidual ? put(kernels, res) : null,
        put(kernels, gammas), put(kernels, betas), EPS, out, mean, rstd, BATCH, SEQ, WIDTH);
    double[] wantMean = new double[ROWS];
    double[] wantRstd = new double[ROWS];
    double[] want = conditionalLayerNorm(doubles(x), withResidual ? doubles(res) : null,
        doubles(gammas), doubles(betas), BATCH, SEQ, WIDTH, EPS, wantMean, wantRstd);
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

  /** dH, dGammas and dBetas start as garbage: all three are overwritten. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void backwardMatchesFiniteDifferences(boolean withResidual) {
    Random random = new Random(3);
    float[] x = uniform(random, ROWS * WIDTH, -3, 3);
    float[] res = uniform(random, ROWS * WIDTH, -3, 3);
    float[] gammas = uniform(random, BATCH * WIDTH, 0.5, 1.5);
    float[] betas = uniform(random, BATCH * WIDTH);
    float[] w = uniform(random, ROWS * WIDTH);
    Slice xs = put(kernels, x);
    Slice gs = put(kernels, gammas);
    Slice mean = zeros(kernels, ROWS);
    Slice rstd = zeros(kernels, ROWS);
    kernels.conditionalLayerNorm(xs, withResidual ? put(kernels, res) : null, gs,
        put(kernels, betas), EPS, zeros(kernels, ROWS * WIDTH), mean, rstd, BATCH, SEQ, WIDTH);
    Slice dH = put(kernels, uniform(random, ROWS * WIDTH));
    Slice dGammas = put(kernels, uniform(random, BATCH * WIDTH));
    Slice dBetas = put(kernels, uniform(random, BATCH * WIDTH));
    kernels.conditionalLayerNormBackward(put(kernels, w), xs, mean, rstd, gs, dH, dGammas, dBetas,
        BATCH, SEQ, WIDTH);

    double[] xd = doubles(x);
    double[] rd = withResidual ? doubles(res) : null;
    double[] gd = doubles(gammas);
    double[] bd = doubles(betas);
    double[] gx = gradient(v -> KernelTesting.dot(w, conditionalLayerNorm(v, rd, gd, bd, BATCH,
        SEQ, WIDTH, EPS, null, null)), xd);
    double[] gg = gradient(v -> KernelTesting.dot(w, conditionalLayerNorm(xd, rd, v, bd, BATCH,
        SEQ, WIDTH, EPS, null, null)), gd);
    double[] gb = gradient(v -> KernelTesting.dot(w, conditionalLayerNorm(xd, rd, gd, v, BATCH,
        SEQ, WIDTH, EPS, null, null)), bd);
    assertGradient(gx, get(kernels, dH, ROWS * WIDTH), "dH");
    assertGradient(gg, get(kernels, dGammas, BATCH * WIDTH), "dGammas (overwritten)");
    assertGradient(gb, get(kernels, dBetas, BATCH * WIDTH), "dBetas (overwritten)");
    if (withResidual) {
      double[] gr = gradient(v -> KernelTesting.dot(w, conditionalLayerNorm(xd, v, gd, bd, BATCH,
          SEQ, WIDTH, EPS, null, null)), doubles(res));
      assertGradient(gr, get(kernels, dH, ROWS * WIDTH), "dResidual (= dH)");
    }
  }

  /**
   * dH may be dOut; and the per-sequence sums come out the same bit for bit on every run (several
   * column blocks of long sequences, on several threads).
   */
  @Test
  void backwardInPlaceAndReproducible() {
    Random random = new Random(4);
    int batch = 5;
    int seq = 70;
    int width = 260;
    int rows = batch * seq;
    float[] x = uniform(random, rows * width, -3, 3);
    float[] gammas = uniform(random, batch * width, 0.5, 1.5);
    float[] dOut = uniform(random, rows * width);
    Slice xs = put(kernels, x);
    Slice gs = put(kernels, gammas);
    Slice mean = zeros(kernels, rows);
    Slice rstd = zeros(kernels, rows);
    kernels.conditionalLayerNorm(xs, null, gs, put(kernels, uniform(random, batch * width)), EPS,
        zeros(kernels, rows * width), mean, rstd, batch, seq, width);
    Slice separate = zeros(kernels, rows * width);
    Slice dGammas1 = zeros(kernels, batch * width);
    Slice dBetas1 = zeros(kernels, batch * width);
    kernels.conditionalLayerNormBackward(put(kernels, dOut), xs, mean, rstd, gs, separate,
        dGammas1, dBetas1, batch, seq, width);
    Slice inPlace = put(kernels, dOut);
    Slice dGammas2 = put(kernels, uniform(random, batch * width));
    Slice dBetas2 = put(kernels, uniform(random, batch * width));
    kernels.conditionalLayerNormBackward(inPlace, xs, mean, rstd, gs, inPlace, dGammas2, dBetas2,
        batch, seq, width);
    assertArrayEquals(get(kernels, separate, rows * width), get(kernels, inPlace, rows * width));
    assertArrayEquals(get(kernels, dGammas1, batch * width), get(kernels, dGammas2, batch * width));
    assertArrayEquals(get(kernels, dBetas1, batch * width), get(kernels, dBetas2, batch * width));

    double[] wantBetas = new double[batch * width];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < width; j++) {
        wantBetas[r / seq * width + j] += dOut[r * width + j];
      }
    }
    assertClose(wantBetas, get(kernels, dBetas1, batch * width), 1e-4, "dBetas: sums of " + seq);
  }
}
