package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Residual add + RMS norm (RoFormer-V2, T5), one row per task step: h = x + residual (written back to
 * x), Σh² accumulated in double, rstd = 1/√(mean(h²) + eps), n = h·rstd, out = γ·n (or n without γ).
 * The backward sums dγ by columns (each column in row order, so reproducible bit for bit, and before
 * dH is written, so dH may be dOut), then writes dH row by row: dH = rstd·(g − n·mean(g·n)) with
 * g = dOut·γ (or dOut).
 */
final class RmsNormKernels {
  private static final int COLUMN_BLOCK = 128;

  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer h;
  private FloatBuffer residual;
  private FloatBuffer gamma;
  private FloatBuffer out;
  private FloatBuffer rstd;
  private FloatBuffer dOut;
  private FloatBuffer dH;
  private FloatBuffer dGamma;
  private int hOff;
  private int residualOff;
  private int gammaOff;
  private int outOff;
  private int rstdOff;
  private int dOutOff;
  private int dHOff;
  private int dGammaOff;
  private int rows;
  private int width;
  private float eps;
  private final ParallelRows.Task forwardRows = this::forwardRows;
  private final ParallelRows.Task backwardRows = this::backwardRows;
  private final ParallelRows.Task backwardColumns = this::backwardColumns;

  RmsNormKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  /** The forward; {@code residual} and {@code gamma} may be null. */
  void forward(FloatBuffer x, int xOff, FloatBuffer residual, int residualOff, FloatBuffer gamma,
      int gammaOff, float eps, FloatBuffer out, int outOff, FloatBuffer rstd, int rstdOff,
      int rows, int width) {
    this.h = x;
    this.hOff = xOff;
    this.residual = residual;
    this.residualOff = residualOff;
    this.gamma = gamma;
    this.gammaOff = gammaOff;
    this.eps = eps;
    this.out = out;
    this.outOff = outOff;
    this.rstd = rstd;
    this.rstdOff = rstdOff;
    this.rows = rows;
    this.width = width;
    pool.run(rows, 6L * width, forwardRows);
    clear();
  }

  /** The backward; {@code gamma} and {@code dGamma} are both null for a norm without scale. */
  void backward(FloatBuffer dOut, int dOutOff, FloatBuffer h, int hOff, FloatBuffer rstd,
      int rstdOff, FloatBuffer gamma, int gammaOff, FloatBuffer dH, int dHOff, FloatBuffer dGamma,
      int dGammaOff, int rows, int width) {
    this.dOut = dOut;
    this.dOutOff = dOutOff;
    this.h = h;
    this.hOff = hOff;
    this.rstd = rstd;
    this.rstdOff = rstdOff;
    this.gamma = gamma;
    this.gammaOff = gammaOff;
    this.dH = dH;
    this.dHOff = dHOff;
    this.dGamma = dGamma;
    this.dGammaOff = dGammaOff;
    this.rows = rows;
    this.width = width;
    if (dGamma != null) {
      pool.run((width + COLUMN_BLOCK - 1) / COLUMN_BLOCK, 3L * rows * COLUMN_BLOCK,
          backwardColumns);
    }
    pool.run(rows, 8L * width, backwardRows);
    clear();
  }

  private void clear() {
    h = residual = gamma = out = rstd = dOut = dH = dGamma = null;
  }

  private void forwardRows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int w = width;
    float[] hr = s.row(0, w);
    float[] r = s.row(1, w);
    float[] g = s.row(2, w);
    if (gamma != null) {
      gamma.get(gammaOff, g, 0, w);
    }
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
      float rs = (float) (1.0 / Math.sqrt(sumOfSquares(hr, w) / w + eps));
      for (int j = 0; j < w; j++) {
        r[j] = hr[j] * rs;
      }
      if (gamma != null) {
        for (int j = 0; j < w; j++) {
          r[j] *= g[j];
        }
      }
      out.put(outOff + row * w, r, 0, w);
      rstd.put(rstdOff + row, rs);
    }
  }

  /** Σ a[0..n)² in double, two partial sums. */
  private static double sumOfSquares(float[] a, int n) {
    double s0 = 0;
    double s1 = 0;
    int i = 0;
    for (; i + 2 <= n; i += 2) {
      double a0 = a[i];
      double a1 = a[i + 1];
      s0 += a0 * a0;
      s1 += a1 * a1;
    }
    for (; i < n; i++) {
      double a0 = a[i];
      s0 += a0 * a0;
    }
    return s0 + s1;
  }

  private void backwardColumns(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] dy = s.a;
    float[] hr = s.b;
    float[] dg = s.c;
    for (int block = from; block < to; block++) {
      int c0 = block * COLUMN_BLOCK;
      int n = Math.min(COLUMN_BLOCK, width - c0);
      Arrays.fill(dg, 0, n, 0f);
      for (int r = 0; r < rows; r++) {
        dOut.get(dOutOff + r * width + c0, dy, 0, n);
        h.get(hOff + r * width + c0, hr, 0, n);
        float rs = rstd.get(rstdOff + r);
        for (int j = 0; j < n; j++) {
          dg[j] += dy[j] * (hr[j] * rs);
        }
      }
      dGamma.get(dGammaOff + c0, dy, 0, n);
      for (int j = 0; j < n; j++) {
        dy[j] += dg[j];
      }
      dGamma.put(dGammaOff + c0, dy, 0, n);
    }
  }

  private void backwardRows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int w = width;
    float[] dy = s.row(0, w);
    float[] n = s.row(1, w);
    float[] g = s.row(2, w);
    if (gamma != null) {
      gamma.get(gammaOff, g, 0, w);
    }
    for (int row = from; row < to; row++) {
      dOut.get(dOutOff + row * w, dy, 0, w);
      h.get(hOff + row * w, n, 0, w);
      float rs = rstd.get(rstdOff + row);
      if (gamma != null) {
        for (int j = 0; j < w; j++) {
          dy[j] *= g[j];
        }
      }
      double sumGn = 0;
      for (int j = 0; j < w; j++) {
        n[j] *= rs;
        sumGn += dy[j] * n[j];
      }
      float meanGn = (float) (sumGn / w);
      for (int j = 0; j < w; j++) {
        dy[j] = rs * (dy[j] - n[j] * meanGn);
      }
      dH.put(dHOff + row * w, dy, 0, w);
    }
  }
}
