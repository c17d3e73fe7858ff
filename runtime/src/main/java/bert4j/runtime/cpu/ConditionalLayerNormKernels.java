package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Conditional layer norm (bert4keras's conditional LM): {@link LayerNormKernels}' residual add and
 * layer norm, with the same numerics (float row sums around a first mean, the float mean's
 * rounding remainder δ taken out of x̂), but γ and β rows per sequence: row r of the
 * {@code [batch·seq, width]} input uses row r / seq of gammas and betas. The forward and dH run one row per task step. The backward first
 * sums each sequence's dγ and dβ by (sequence, column block) task, each column in row order, so
 * they are the same bit for bit on any number of threads, and writes them (they are overwritten)
 * before dH, so dH may be dOut.
 */
final class ConditionalLayerNormKernels {
  private static final int COLUMN_BLOCK = 128;

  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer h;
  private FloatBuffer residual;
  private FloatBuffer gammas;
  private FloatBuffer betas;
  private FloatBuffer out;
  private FloatBuffer mean;
  private FloatBuffer rstd;
  private FloatBuffer dOut;
  private FloatBuffer dH;
  private FloatBuffer dGammas;
  private FloatBuffer dBetas;
  private int hOff;
  private int residualOff;
  private int gammasOff;
  private int betasOff;
  private int outOff;
  private int meanOff;
  private int rstdOff;
  private int dOutOff;
  private int dHOff;
  private int dGammasOff;
  private int dBetasOff;
  private int seq;
  private int width;
  private int columnBlocks;
  private float eps;
  /** Per row, the mean of h minus the saved float mean (backward only). */
  private float[] delta = new float[0];
  private final ParallelRows.Task forwardRows = this::forwardRows;
  private final ParallelRows.Task meanRemainders = this::meanRemainders;
  private final ParallelRows.Task sequenceColumns = this::sequenceColumns;
  private final ParallelRows.Task backwardRows = this::backwardRows;

  ConditionalLayerNormKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  void forward(FloatBuffer x, int xOff, FloatBuffer residual, int residualOff, FloatBuffer gammas,
      int gammasOff, FloatBuffer betas, int betasOff, float eps, FloatBuffer out, int outOff,
      FloatBuffer mean, int meanOff, FloatBuffer rstd, int rstdOff, int batch, int seq,
      int width) {
    this.h = x;
    this.hOff = xOff;
    this.residual = residual;
    this.residualOff = residualOff;
    this.gammas = gammas;
    this.gammasOff = gammasOff;
    this.betas = betas;
    this.betasOff = betasOff;
    this.eps = eps;
    this.out = out;
    this.outOff = outOff;
    this.mean = mean;
    this.meanOff = meanOff;
    this.rstd = rstd;
    this.rstdOff = rstdOff;
    this.seq = seq;
    this.width = width;
    pool.run(batch * seq, 8L * width, forwardRows);
    clear();
  }

  void backward(FloatBuffer dOut, int dOutOff, FloatBuffer h, int hOff, FloatBuffer mean,
      int meanOff, FloatBuffer rstd, int rstdOff, FloatBuffer gammas, int gammasOff,
      FloatBuffer dH, int dHOff, FloatBuffer dGammas, int dGammasOff, FloatBuffer dBetas,
      int dBetasOff, int batch, int seq, int width) {
    this.dOut = dOut;
    this.dOutOff = dOutOff;
    this.h = h;
    this.hOff = hOff;
    this.mean = mean;
    this.meanOff = meanOff;
    this.rstd = rstd;
    this.rstdOff = rstdOff;
    this.gammas = gammas;
    this.gammasOff = gammasOff;
    this.dH = dH;
    this.dHOff = dHOff;
    this.dGammas = dGammas;
    this.dGammasOff = dGammasOff;
    this.dBetas = dBetas;
    this.dBetasOff = dBetasOff;
    this.seq = seq;
    this.width = width;
    this.columnBlocks = (width + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
    int rows = batch * seq;
    if (delta.length < rows) {
      delta = new float[rows];
    }
    pool.run(rows, 2L * width, meanRemainders);
    pool.run(batch * columnBlocks, 4L * seq * COLUMN_BLOCK, sequenceColumns);
    pool.run(rows, 10L * width, backwardRows);
    clear();
  }

  private void clear() {
    h = residual = gammas = betas = out = mean = rstd = dOut = dH = dGammas = dBetas = null;
  }

  private void forwardRows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int w = width;
    float[] hr = s.row(0, w);
    float[] r = s.row(1, w);
    float[] g = s.row(2, w);
    float[] b = s.row(3, w);
    float[] stats = s.row(4, 2);
    int loaded = -1;
    for (int row = from; row < to; row++) {
      int sequence = row / seq;
      if (sequence != loaded) {
        gammas.get(gammasOff + sequence * w, g, 0, w);
        betas.get(betasOff + sequence * w, b, 0, w);
        loaded = sequence;
      }
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

  /** dγ_b = Σ dOut·x̂ and dβ_b = Σ dOut over the rows of sequence b, one column block per task. */
  private void sequenceColumns(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] dy = s.a;
    float[] hr = s.b;
    float[] dg = s.c;
    float[] db = s.d;
    for (int task = from; task < to; task++) {
      int sequence = task / columnBlocks;
      int c0 = (task % columnBlocks) * COLUMN_BLOCK;
      int n = Math.min(COLUMN_BLOCK, width - c0);
      Arrays.fill(dg, 0, n, 0f);
      Arrays.fill(db, 0, n, 0f);
      for (int r = sequence * seq; r < (sequence + 1) * seq; r++) {
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
      dGammas.put(dGammasOff + sequence * width + c0, dg, 0, n);
      dBetas.put(dBetasOff + sequence * width + c0, db, 0, n);
    }
  }

  private void backwardRows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int w = width;
    float[] dy = s.row(0, w);
    float[] xhat = s.row(1, w);
    float[] g = s.row(2, w);
    float[] sums = s.row(3, 2);
    int loaded = -1;
    for (int row = from; row < to; row++) {
      int sequence = row / seq;
      if (sequence != loaded) {
        gammas.get(gammasOff + sequence * w, g, 0, w);
        loaded = sequence;
      }
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
