package bert4j.runtime.cpu;

/**
 * The per-row arithmetic of the layer norms, shared by {@link LayerNormKernels} (one γ, β for every
 * row) and {@link ConditionalLayerNormKernels} (γ, β per sequence): the mean in double with its float
 * remainder, the normalised row, and the row's input gradient.
 */
final class LayerNormRows {
  private LayerNormRows() {}

  /**
   * out = γ ⊙ (h − mean)·rstd + β for one row of {@code w}; {@code stats} receives the float mean and
   * the float 1/std, in that order.
   */
  static void normalize(float[] h, float[] gamma, float[] beta, float eps, int w, float[] out,
      float[] stats) {
    double mu = sum(h, w) / w;
    float m = (float) mu;
    float d = (float) (mu - m);
    double v0 = 0;
    double v1 = 0;
    int j = 0;
    for (; j + 2 <= w; j += 2) {
      double d0 = h[j] - mu;
      double d1 = h[j + 1] - mu;
      v0 += d0 * d0;
      v1 += d1 * d1;
    }
    for (; j < w; j++) {
      double d0 = h[j] - mu;
      v0 += d0 * d0;
    }
    float rs = (float) (1.0 / Math.sqrt((v0 + v1) / w + eps));
    for (int k = 0; k < w; k++) {
      out[k] = ((h[k] - m) - d) * rs * gamma[k] + beta[k];
    }
    stats[0] = m;
    stats[1] = rs;
  }

  /**
   * One row's input gradient, in place in {@code dy}: dH = rstd·(g − mean(g) − x̂·mean(g·x̂)) with
   * g = dOut ⊙ γ and x̂ = (h − m − d)·rstd; {@code xhat} holds the row of h and is overwritten by x̂.
   */
  static void backward(float[] dy, float[] xhat, float[] gamma, float m, float d, float rs, int w) {
    for (int j = 0; j < w; j++) {
      xhat[j] = ((xhat[j] - m) - d) * rs;
      dy[j] *= gamma[j];
    }
    double sumG = 0;
    double sumGx = 0;
    for (int j = 0; j < w; j++) {
      sumG += dy[j];
      sumGx += dy[j] * xhat[j];
    }
    float meanG = (float) (sumG / w);
    float meanGx = (float) (sumGx / w);
    for (int j = 0; j < w; j++) {
      dy[j] = rs * (dy[j] - meanG - xhat[j] * meanGx);
    }
  }

  /** The float remainder d of a row's mean m: mean(h − m), what x̂ subtracts besides m. */
  static float remainder(float[] h, float m, int w) {
    for (int j = 0; j < w; j++) {
      h[j] -= m;
    }
    return (float) (sum(h, w) / w);
  }

  /** Σ a[0..n) in double, four partial sums. */
  static double sum(float[] a, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
    }
    for (; i < n; i++) {
      s0 += a[i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
