package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Conditional layer norm (bert4keras's conditional LM): {@link LayerNormKernels}' residual add and
 * layer norm, with the same numerics (float row sums around a first mean, the float mean's
 * rounding remainder δ taken out of x̂), but γ and β rows per sequence: row r of the
 * {@code [batch·seq, width]} input uses row r / seq of gammas and betas. The forward runs one row
 * per task step. The backward reads each row once, as {@link LayerNormKernels}' does: per block of
 * {@link #BLOCK_ROWS} rows of one sequence it recovers δ, adds the rows' dγ, dβ to the block's sums
 * (before dH is written, so dH may be dOut) and writes dH; then each sequence's dγ and dβ are its
 * blocks' sums added in block order and written (they are overwritten), the same bits on any number
 * of threads. (Three passes before 2026-12-01 — δ, then dγ and dβ by sequence and column block,
 * then dH — took 677–755 µs at 8 × 128 × 768 on two threads.)
 */
final class ConditionalLayerNormKernels {
  /** Rows of one sequence whose dγ, dβ are summed together before the blocks are added. */
  private static final int BLOCK_ROWS = 16;

  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer h;
  private FloatBuffer residual;
  private FloatBuffer gammas;
  private FloatBuffer betas;
  private FloatBuffer out;
  private FloatBuffer mean;
  private FloatBuffer rstd;
  private FloatBuffer dGammas;
  private FloatBuffer dBetas;
  private int hOff;
  private int residualOff;
  private int gammasOff;
  private int betasOff;
  private int outOff;
  private int meanOff;
  private int rstdOff;
  private int dGammasOff;
  private int dBetasOff;
  private int seq;
  private int width;
  private int blocksPerSequence;
  private float eps;
  /** Per block of rows, its dγ then its dβ sums ({@code 2 × width} floats a block). */
  private float[] blockSums = new float[0];
  /** The current backward's dOut, h, statistics and dH. */
  private LayerNormRows.BackwardOperands operands;
  private final ParallelRows.Task forwardRows = this::forwardRows;
  private final ParallelRows.Task backwardBlocks = this::backwardBlocks;

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
    this.operands = new LayerNormRows.BackwardOperands(dOut, dOutOff, h, hOff, mean, meanOff,
        rstd, rstdOff, dH, dHOff);
    this.gammas = gammas;
    this.gammasOff = gammasOff;
    this.dGammas = dGammas;
    this.dGammasOff = dGammasOff;
    this.dBetas = dBetas;
    this.dBetasOff = dBetasOff;
    this.seq = seq;
    this.width = width;
    this.blocksPerSequence = (seq + BLOCK_ROWS - 1) / BLOCK_ROWS;
    int blocks = batch * blocksPerSequence;
    if (blockSums.length < 2L * blocks * width) {
      blockSums = new float[2 * blocks * width];
    }
    pool.run(blocks, 14L * BLOCK_ROWS * width, backwardBlocks);
    writeSequenceSums(batch);
    clear();
  }

  private void clear() {
    h = residual = gammas = betas = out = mean = rstd = dGammas = dBetas = null;
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

  /**
   * Blocks [from, to) of the backward: per row, δ recovered, the row's dγ, dβ added to its block's
   * sums, dH written.
   */
  private void backwardBlocks(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int w = width;
    float[] dy = s.row(0, w);
    float[] hr = s.row(1, w);
    float[] g = s.row(2, w);
    float[] sums = s.row(3, 2);
    float[] dg = s.row(4, w);
    float[] db = s.row(5, w);
    int loaded = -1;
    for (int block = from; block < to; block++) {
      int sequence = block / blocksPerSequence;
      if (sequence != loaded) {
        gammas.get(gammasOff + sequence * w, g, 0, w);
        loaded = sequence;
      }
      Arrays.fill(dg, 0, w, 0f);
      Arrays.fill(db, 0, w, 0f);
      int first = sequence * seq + (block % blocksPerSequence) * BLOCK_ROWS;
      int end = Math.min((sequence + 1) * seq, first + BLOCK_ROWS);
      operands.rows(first, end, w, g, dy, hr, sums, dg, db);
      System.arraycopy(dg, 0, blockSums, 2 * block * w, w);
      System.arraycopy(db, 0, blockSums, (2 * block + 1) * w, w);
    }
  }

  /** Each sequence's dγ and dβ: its blocks' sums added in block order, written over the old. */
  private void writeSequenceSums(int batch) {
    float[] total = scratch[0].row(4, width);
    float[] current = scratch[0].row(5, width);
    int stride = 2 * width;
    for (int sequence = 0; sequence < batch; sequence++) {
      int first = sequence * blocksPerSequence * stride;
      BlockSums.addInOrder(blockSums, first, stride, blocksPerSequence, width, dGammas,
          dGammasOff + sequence * width, false, total, current);
      BlockSums.addInOrder(blockSums, first + width, stride, blocksPerSequence, width, dBetas,
          dBetasOff + sequence * width, false, total, current);
    }
  }
}
