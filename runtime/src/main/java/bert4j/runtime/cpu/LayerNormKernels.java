package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Residual add + layer norm, one row per task step: h = x + residual (written back to x), mean and
 * biased variance from sums around a first mean ({@link LayerNormRows#normalize}), rstd =
 * 1/√(var + eps), out = γ·(h − mean)·rstd + β. The saved mean is a float; x̂ = h − mean is taken
 * against the exact mean (float mean, then the rounding remainder δ), so a large common offset
 * costs no accuracy. The backward reads each row once: it recovers δ, adds the row's dγ, dβ to its
 * block's sums (before dH is written, so dH may be dOut), then writes dH = rstd·(g − mean(g) −
 * x̂·mean(g·x̂)) with g = dOut·γ. The blocks are fixed runs of {@link #BLOCK_ROWS} rows, summed in row
 * order and then added in block order, so dγ and dβ are reproducible bit for bit whatever the
 * threads. (Three passes before 2026-12-01 — δ, dγ and dβ by column blocks, then dH — took 37 ms of
 * BERT-base's training step at 8 × 128.)
 */
final class LayerNormKernels {
  /** Rows whose dγ, dβ are summed together before the blocks are added. */
  private static final int BLOCK_ROWS = 16;

  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer h;
  private FloatBuffer residual;
  private FloatBuffer gamma;
  private FloatBuffer beta;
  private FloatBuffer out;
  private FloatBuffer mean;
  private FloatBuffer rstd;
  private FloatBuffer dGamma;
  private FloatBuffer dBeta;
  private int hOff;
  private int residualOff;
  private int gammaOff;
  private int betaOff;
  private int outOff;
  private int meanOff;
  private int rstdOff;
  private int dGammaOff;
  private int dBetaOff;
  private int rows;
  private int width;
  private float eps;
  /** Per block of rows, its dγ then its dβ sums ({@code 2 × width} floats a block). */
  private float[] blockSums = new float[0];
  /** The current backward's dOut, h, statistics and dH. */
  private LayerNormRows.BackwardOperands operands;
  private final ParallelRows.Task forwardRows = this::forwardRows;
  private final ParallelRows.Task backwardBlocks = this::backwardBlocks;

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
    this.operands = new LayerNormRows.BackwardOperands(dOut, dOutOff, h, hOff, mean, meanOff,
        rstd, rstdOff, dH, dHOff);
    this.gamma = gamma;
    this.gammaOff = gammaOff;
    this.dGamma = dGamma;
    this.dGammaOff = dGammaOff;
    this.dBeta = dBeta;
    this.dBetaOff = dBetaOff;
    this.rows = rows;
    this.width = width;
    int blocks = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
    if (blockSums.length < 2L * blocks * width) {
      blockSums = new float[2 * blocks * width];
    }
    pool.run(blocks, 14L * BLOCK_ROWS * width, backwardBlocks);
    addBlockSums(blocks);
    clear();
  }

  private void clear() {
    h = residual = gamma = beta = out = mean = rstd = dGamma = dBeta = null;
    operands = null;
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

  private void backwardBlocks(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int w = width;
    float[] dy = s.row(0, w);
    float[] hr = s.row(1, w);
    float[] g = s.row(2, w);
    float[] sums = s.row(3, 2);
    float[] dg = s.row(4, w);
    float[] db = s.row(5, w);
    gamma.get(gammaOff, g, 0, w);
    for (int block = from; block < to; block++) {
      Arrays.fill(dg, 0, w, 0f);
      Arrays.fill(db, 0, w, 0f);
      int end = Math.min(rows, (block + 1) * BLOCK_ROWS);
      operands.rows(block * BLOCK_ROWS, end, w, g, dy, hr, sums, dg, db);
      System.arraycopy(dg, 0, blockSums, 2 * block * w, w);
      System.arraycopy(db, 0, blockSums, (2 * block + 1) * w, w);
    }
  }

  /** dγ += the blocks' dγ sums and dβ += their dβ sums, the blocks added in order. */
  private void addBlockSums(int blocks) {
    float[] total = scratch[0].row(4, width);
    float[] current = scratch[0].row(5, width);
    BlockSums.addInOrder(blockSums, 0, 2 * width, blocks, width, dGamma, dGammaOff, true, total,
        current);
    BlockSums.addInOrder(blockSums, width, 2 * width, blocks, width, dBeta, dBetaOff, true, total,
        current);
  }

}
