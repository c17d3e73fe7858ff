package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * Residual add + layer norm, one row per task step: h = x + residual (written back to x), mean and
 * biased variance from sums around a first mean ({@link LayerNormRows#normalize}), rstd =
 * 1/√(var + eps), out = γ·(h − mean)·rstd + β. The saved mean is a float; x̂ = h − mean is taken
 * against the exact mean (float mean, then the rounding remainder δ), so a large common offset
 * costs no accuracy. The backward recovers δ per
 * row, sums dγ, dβ by columns (each column in row order, so reproducible bit for bit, and before dH
 * is written, so dH may be dOut), then writes dH row by row: dH = rstd·(g − mean(g) − x̂·mean(g·x̂))
 * with g = dOut·γ.
 */
final class LayerNormKernels {
  private static final int COLUMN_BLOCK = 128;

  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer h;
  private FloatBuffer residual;
  private FloatBuffer gamma;
  private FloatBuffer beta;
  private FloatBuffer out;
  private FloatBuffer mean;
  private FloatBuffer rstd;
  private FloatBuffer dOut;
  private FloatBuffer dH;
  private FloatBuffer dGamma;
  private FloatBuffer dBeta;
  private int hOff;
  private int residualOff;
  private int gammaOff;
  private int betaOff;
  private int outOff;
  private int meanOff;
  private int rstdOff;
  private int dOutOff;
  private int dHOff;
  private int dGammaOff;
  private int dBetaOff;
  private int rows;
  private int width;
  private float eps;
  /** Per row, the mean of h minus the saved float mean (backward only). */
  private float[] delta = new float[0];
  private final ParallelRows.Task forwardRows = this::forwardRows;
  private final ParallelRows.Task backwardRows = this::backwardRows;
  private final ParallelRows.Task backwardColumns = this::backwardColumns;
  private final ParallelRows.Task meanRemainders = this::meanRemainders;

  LayerNormKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  void forward(FloatBuffer x, int xOff, FloatBuffer residual, int residualOff, FloatBuffer gamma,
      int gammaOff, FloatBuffer beta, int betaOff, float eps, FloatBuffer out, int outOff,
      FloatBuffer mean, int meanOff, FloatBuffer rstd, int rstdOff, int rows, int width) {
    this.h = x;
    this.hOff = xOff;
    this.residual = residual;
    this.residualOff = residualOff;
    this.gamma = gamma;
    this.gammaOff = gammaOff;
    this.beta = beta;
    this.betaOff = betaOff;
    this.eps = eps;
    this.out = out;
    this.outOff = outOff;
    this.mean = mean;
    this.meanOff = meanOff;
    this.rstd = rstd;
    this.rstdOff = rstdOff;
    this.rows = rows;
    this.width = width;
    pool.run(rows, 8L * width, forwardRows);
    clear();
  }

  void backward(FloatBuffer dOut, int dOutOff, FloatBuffer h, int hOff, FloatBuffer mean,
      int meanOff, FloatBuffer rstd, int rstdOff, FloatBuffer gamma, int gammaOff, FloatBuffer dH,
      int dHOff, FloatBuffer dGamma, int dGammaOff, FloatBuffer dBeta, int dBetaOff, int rows,
      int width) {
    this.dOut = dOut;
    this.dOutOff = dOutOff;
    this.h = h;
    this.hOff = hOff;
    this.mean = mean;
    this.meanOff = meanOff;
    this.rstd = rstd;
    this.rstdOff = rstdOff;
    this.gamma = gamma;
    this.gammaOff = gammaOff;
    this.dH = dH;
    this.dHOff = dHOff;
    this.dGamma = dGamma;
    this.dGammaOff = dGammaOff;
    this.dBeta = dBeta;
    this.dBetaOff = dBetaOff;
    this.rows = rows;
    this.width = width;
    if (delta.length < rows) {
      delta = new float[rows];
    }
    pool.run(rows, 2L * width, meanRemainders);
    pool.run((width + COLUMN_BLOCK - 1) / COLUMN_BLOCK, 4L * rows * COLUMN_BLOCK, backwardColumns);
    pool.run(rows, 10L * width, backwardRows);
    clear();
  }

  private void clear() {
    h = residual = gamma = beta = out = mean = rstd = dOut = dH = dGamma = dBeta = null;
  }

  private void forwardRows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int w = width;
    float[] hr = s.row(0, w);
    float[] r = s.row(1, w);
    float[] g = s.row(2, w);
    float[] b = s.row(3, w);
    float[] stats = s.row(4, 2);
    gamma.get(gammaOff, g, 0, w);
    beta.get(betaOff, b, 0, w);
    for (int row = from; row < to; row++) {
      int off = hOff + row * w;
      h.get(off, hr, 0, w);
      if (residual != null) {
        residual.get(residualOff + row * w, r, 0, w);
        for (int j = 0; j < w; j++) {
          hr[j] += r[j];
        }
        h.put(off, hr, 0, w);
      }
      LayerNormRows.normalize(hr, g, b, eps, w, r, stats);
      out.put(outOff + row * w, r, 0, w);
      mean.put(meanOff + row, stats[0]);
      rstd.put(rstdOff + row, stats[1]);
    }
  }

  private void meanRemainders(int thread, int from, int to) {
    float[] hr = scratch[thread].row(0, width);
    float[] moments = scratch[thread].row(1, 2);
    for (int row = from; row < to; row++) {
      h.get(hOff + row * width, hr, 0, width);
      delta[row] = LayerNormRows.remainder(hr, mean.get(meanOff + row), width, moments);
    }
  }

  private void backwardColumns(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] dy = s.a;
    float[] hr = s.b;
    float[] dg = s.c;
    float[] db = s.d;
    for (int block = from; block < to; block++) {
      int c0 = block * COLUMN_BLOCK;
      int n = Math.min(COLUMN_BLOCK, width - c0);
      java.util.Arrays.fill(dg, 0, n, 0f);
      java.util.Arrays.fill(db, 0, n, 0f);
      for (int r = 0; r < rows; r++) {
        dOut.get(dOutOff + r * width + c0, dy, 0, n);
        h.get(hOff + r * width + c0, hr, 0, n);
        float m = mean.get(meanOff + r);
        float d = delta[r];
        float rs = rstd.get(rstdOff + r);
        for (int j = 0; j < n; j++) {
          dg[j] += dy[j] * (((hr[j] - m) - d) * rs);
          db[j] += dy[j];
        }
      }
      add(dGamma, dGammaOff + c0, dg, n, dy);
      add(dBeta, dBetaOff + c0, db, n, dy);
    }
  }

  /** target[off..off+n) += values[0..n), through the scratch {@code tmp}. */
  private static void add(FloatBuffer target, int off, float[] values, int n, float[] tmp) {
    target.get(off, tmp, 0, n);
    for (int j = 0; j < n; j++) {
      tmp[j] += values[j];
    }
    target.put(off, tmp, 0, n);
  }

  private void backwardRows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int w = width;
    float[] dy = s.row(0, w);
    float[] xhat = s.row(1, w);
    float[] g = s.row(2, w);
    float[] sums = s.row(3, 2);
    gamma.get(gammaOff, g, 0, w);
    for (int row = from; row < to; row++) {
      dOut.get(dOutOff + row * w, dy, 0, w);
      h.get(hOff + row * w, xhat, 0, w);
      float m = mean.get(meanOff + row);
      float d = delta[row];
      float rs = rstd.get(rstdOff + row);
      LayerNormRows.backward(dy, xhat, g, m, d, rs, w, sums);
      dH.put(dHOff + row * w, dy, 0, w);
    }
  }
}
