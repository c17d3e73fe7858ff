package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * The per-row arithmetic of the layer norms, shared by {@link LayerNormKernels} (one γ, β for every
 * row) and {@link ConditionalLayerNormKernels} (γ, β per sequence): the mean (a float and its
 * rounding remainder), the normalised row, and the row's input gradient.
 */
final class LayerNormRows {
  private LayerNormRows() {}

  /**
   * out = γ ⊙ (h − mean)·rstd + β for one row of {@code w} ({@code out} apart from {@code h});
   * {@code stats} receives the float mean and the float 1/std, in that order.
   *
   * <p>Three passes, sums in independent float accumulators, which the JIT keeps in registers side
   * by side: a first mean g ({@link FloatMath#sum}), then Σ(h − g) and Σ(h − g)² together
   * ({@link FloatMath#shiftedMoments}), from which mean = g + Σ(h − g)/w and var = Σ(h − g)²/w −
   * (Σ(h − g)/w)² in double; then the output. Shifting by g keeps a large common offset from
   * cancelling the variance (h − g is exact when h and g are close). Five passes (the shifted row
   * stored, then summed and squared apart) took 0.53–0.56 ms per 1,024 rows of 768 on one thread,
   * sums in double 0.96–2.4 ms (AMD EPYC Zen 5, 2026-12-01).
   */
  static void normalize(float[] h, float[] gamma, float[] beta, float eps, int w, float[] out,
      float[] stats) {
    float g = FloatMath.sum(h, w) / w;
    FloatMath.shiftedMoments(h, g, w, stats);
    double shift = (double) stats[0] / w;
    double mu = g + shift;
    float m = (float) mu;
    float d = (float) (mu - m);
    double variance = Math.max(0, (double) stats[1] / w - shift * shift);
    float rs = (float) (1.0 / Math.sqrt(variance + eps));
    for (int k = 0; k < w; k++) {
      out[k] = ((h[k] - m) - d) * rs * gamma[k] + beta[k];
    }
    stats[0] = m;
    stats[1] = rs;
  }

  /**
   * One row's input gradient, in place in {@code dy}: dH = rstd·(g − mean(g) − x̂·mean(g·x̂)) with
   * g = dOut ⊙ γ and x̂ = (h − m − d)·rstd; {@code xhat} holds the row of h and is overwritten by x̂.
   * The two means are summed in one pass ({@link FloatMath#sumAndDot}) into {@code sums} (two
   * floats of scratch).
   */
  static void backward(float[] dy, float[] xhat, float[] gamma, float m, float d, float rs, int w,
      float[] sums) {
    for (int j = 0; j < w; j++) {
      xhat[j] = ((xhat[j] - m) - d) * rs;
      dy[j] *= gamma[j];
    }
    inputGradient(dy, xhat, rs, w, sums);
  }

  /**
   * {@link #backward}, also adding the row's share of the parameters' gradients as it goes:
   * dGamma += dOut ⊙ x̂ and dBeta += dOut.
   */
  static void backward(float[] dy, float[] xhat, float[] gamma, float m, float d, float rs, int w,
      float[] sums, float[] dGamma, float[] dBeta) {
    for (int j = 0; j < w; j++) {
      float x = ((xhat[j] - m) - d) * rs;
      float y = dy[j];
      xhat[j] = x;
      dGamma[j] += y * x;
      dBeta[j] += y;
      dy[j] = y * gamma[j];
    }
    inputGradient(dy, xhat, rs, w, sums);
  }

  /** dy = rstd·(g − mean(g) − x̂·mean(g·x̂)), with g in dy and x̂ in xhat. */
  private static void inputGradient(float[] dy, float[] xhat, float rs, int w, float[] sums) {
    FloatMath.sumAndDot(dy, xhat, w, sums);
    float meanG = sums[0] / w;
    float meanGx = sums[1] / w;
    for (int k = 0; k < w; k++) {
      dy[k] = rs * (dy[k] - meanG - xhat[k] * meanGx);
    }
  }

  /**
   * The float remainder d of a row's mean m: mean(h − m), what x̂ subtracts besides m, summed in
   * float ({@link FloatMath#shiftedMoments}; its error, about 6e-8 of the row's spread, is below
   * x̂'s own rounding); {@code moments} is two floats of scratch.
   */
  static float remainder(float[] h, float m, int w, float[] moments) {
    FloatMath.shiftedMoments(h, m, w, moments);
    return moments[0] / w;
  }

  /**
   * Where a layer norm backward reads and writes: dOut, h, the saved means and 1/std, and dH (which
   * may be dOut), each a buffer and the offset of its first row.
   */
  record BackwardOperands(FloatBuffer dOut, int dOutOff, FloatBuffer h, int hOff,
      FloatBuffer mean, int meanOff, FloatBuffer rstd, int rstdOff, FloatBuffer dH, int dHOff) {

    /**
     * Rows [first, end) of {@code width}, each read once: δ recovered ({@link #remainder}), the
     * row's dγ and dβ added to {@code dGamma} and {@code dBeta} before its dH is written
     * ({@link LayerNormRows#backward}), γ in {@code gamma}; {@code dy} and {@code hr} are rows of
     * scratch, {@code sums} two floats.
     */
    void rows(int first, int end, int width, float[] gamma, float[] dy, float[] hr, float[] sums,
        float[] dGamma, float[] dBeta) {
      for (int row = first; row < end; row++) {
        dOut.get(dOutOff + row * width, dy, 0, width);
        h.get(hOff + row * width, hr, 0, width);
        float m = mean.get(meanOff + row);
        float d = remainder(hr, m, width, sums);
        backward(dy, hr, gamma, m, d, rstd.get(rstdOff + row), width, sums, dGamma, dBeta);
        dH.put(dHOff + row * width, dy, 0, width);
      }
    }
  }
}
