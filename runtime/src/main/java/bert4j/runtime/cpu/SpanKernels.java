package bert4j.runtime.cpu;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.SpanRows;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * GlobalPointer's span scores ({@code [batch, types, seq, seq]}): the mask (with
 * EfficientGlobalPointer's shared logits and start/end bias) and its backward, and the multilabel
 * categorical cross-entropy. The mask works one (b, t, i) row per task row. Its backward writes
 * dLogits one logits row per task row and, with a bias, dBias one (b, t) square per task row (its
 * row sums and column sums in one pass), so each value is written by one task row. The loss works one
 * (b, t) per task row in double, its row losses added in row order on the calling thread.
 */
final class SpanKernels {
  /** Below this exponent {@link FloatMath#exp} clamps; e^x is taken as 0 there (masked cells). */
  private static final float EXP_CLAMP = -87f;

  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer scores;
  private int scoresOff;
  private FloatBuffer logits;
  private int logitsOff;
  private FloatBuffer bias;
  private int biasOff;
  private int[] tokenIds;
  private int seq;
  private int types;
  private boolean tril;
  private SpanRows targets;
  private FloatBuffer dScores;
  private int dScoresOff;
  private float gradScale;
  private double[] rowLoss = new double[0];
  /**
   * Per-thread doubles: the backward's sums (a row of the shared logits, or a square's column sums),
   * the loss's target gradients.
   */
  private final double[][] sums;
  private final ParallelRows.Task maskRows = this::maskRows;
  private final ParallelRows.Task logitRows = this::logitRows;
  private final ParallelRows.Task biasRows = this::biasRows;
  private final ParallelRows.Task lossRows = this::lossRows;

  SpanKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
    this.sums = new double[pool.threads()][0];
  }

  /** {@code Kernels.spanMask}: the grid is {@code scores}; bias null for GlobalPointer. */
  void mask(FloatBuffer logits, int logitsOff, FloatBuffer bias, int biasOff, FloatBuffer scores,
      int scoresOff, int[] tokenIds, int batch, int seq, int types, boolean tril) {
    set(logits, logitsOff, bias, biasOff, scores, scoresOff, tokenIds, seq, types, tril);
    pool.run(batch * types * seq, 4L * seq, maskRows);
    clear();
  }

  /** {@code Kernels.spanMaskBackward}: the grid is dScores, dLogits and dBias are written. */
  void maskBackward(FloatBuffer dScores, int dScoresOff, FloatBuffer dLogits, int dLogitsOff,
      FloatBuffer dBias, int dBiasOff, int[] tokenIds, int batch, int seq, int types,
      boolean tril) {
    set(dLogits, dLogitsOff, dBias, dBiasOff, dScores, dScoresOff, tokenIds, seq, types, tril);
    pool.run(batch * (dBias == null ? types : 1) * seq, 4L * seq * (dBias == null ? 1 : types),
        logitRows);
    if (dBias != null) {
      pool.run(batch * types, 4L * seq * seq, biasRows);
    }
    clear();
  }

  double loss(FloatBuffer scores, int scoresOff, SpanRows targets, int batch, int seq, int types,
      FloatBuffer dScores, int dScoresOff, float gradScale) {
    int rows = batch * types;
    if (rowLoss.length < rows) {
      rowLoss = new double[rows];
    }
    set(null, 0, null, 0, scores, scoresOff, null, seq, types, false);
    this.targets = targets;
    this.dScores = dScores;
    this.dScoresOff = dScoresOff;
    this.gradScale = gradScale;
    pool.run(rows, 20L * seq * seq, lossRows);
    clear();
    double loss = 0;
    for (int r = 0; r < rows; r++) {
      loss += rowLoss[r];
    }
    return loss;
  }

  private void set(FloatBuffer logits, int logitsOff, FloatBuffer bias, int biasOff,
      FloatBuffer scores, int scoresOff, int[] tokenIds, int seq, int types, boolean tril) {
    this.logits = logits;
    this.logitsOff = logitsOff;
    this.bias = bias;
    this.biasOff = biasOff;
    this.scores = scores;
    this.scoresOff = scoresOff;
    this.tokenIds = tokenIds;
    this.seq = seq;
    this.types = types;
    this.tril = tril;
  }

  private void clear() {
    logits = bias = scores = dScores = null;
    tokenIds = null;
    targets = null;
  }

  /** Task row (b·types + t)·seq + i: the row's seq scores from the logits, bias and mask. */
  private void maskRows(int thread, int from, int to) {
    float[] row = scratch[thread].row(0, seq);
    for (int r = from; r < to; r++) {
      int i = r % seq;
      int t = r / seq % types;
      int b = r / seq / types;
      logits.get(logitsOff + (bias == null ? r : b * seq + i) * seq, row, 0, seq);
      if (bias != null) {
        float start = bias.get(biasOff + (b * seq + i) * 2 * types + 2 * t + 1);
        for (int j = 0; j < seq; j++) {
          float end = bias.get(biasOff + (b * seq + j) * 2 * types + 2 * t);
          row[j] += (end + start) / 2;
        }
      }
      fillMasked(row, b, i, Kernels.MASKED_SPAN);
      scores.put(scoresOff + r * seq, row, 0, seq);
    }
  }

  /** Sets the masked cells of row i of sequence b's square to {@code value}. */
  private void fillMasked(float[] row, int b, int i, float value) {
    if (tokenIds[b * seq + i] == 0) {
      Arrays.fill(row, 0, seq, value);
      return;
    }
    if (tril) {
      Arrays.fill(row, 0, Math.min(i, seq), value);
    }
    for (int j = 0; j < seq; j++) {
      if (tokenIds[b * seq + j] == 0) {
        row[j] = value;
      }
    }
  }

  /**
   * Task row r of the logits' gradient (r = (b·types + t)·seq + i without a bias, b·seq + i with):
   * dScores with 0 at the masked cells, or their sum over the types, type after type along the row.
   */
  private void logitRows(int thread, int from, int to) {
    int square = seq * seq;
    double[] sums = scratch(thread, seq);
    float[] row = scratch[thread].row(0, seq);
    for (int r = from; r < to; r++) {
      int i = r % seq;
      int b = bias == null ? r / seq / types : r / seq;
      if (bias == null) {
        scores.get(scoresOff + r * seq, row, 0, seq);
      } else {
        Arrays.fill(sums, 0, seq, 0);
        for (int t = 0; t < types; t++) {
          scores.get(scoresOff + (b * types + t) * square + i * seq, row, 0, seq);
          for (int j = 0; j < seq; j++) {
            sums[j] += row[j];
          }
        }
        for (int j = 0; j < seq; j++) {
          row[j] = (float) sums[j];
        }
      }
      fillMasked(row, b, i, 0f);
      logits.put(logitsOff + r * seq, row, 0, seq);
    }
  }

  /**
   * Task row b·types + t: half of each row's and each column's sums over the unmasked cells of its
   * square into dBias, in one pass along the rows.
   */
  private void biasRows(int thread, int from, int to) {
    double[] columns = scratch(thread, seq);
    float[] cells = scratch[thread].row(0, seq);
    for (int r = from; r < to; r++) {
      int t = r % types;
      int b = r / types;
      int square = scoresOff + r * seq * seq;
      Arrays.fill(columns, 0, seq, 0);
      for (int i = 0; i < seq; i++) {
        scores.get(square + i * seq, cells, 0, seq);
        fillMasked(cells, b, i, 0f);
        double row = 0;
        for (int j = 0; j < seq; j++) {
          row += cells[j];
          columns[j] += cells[j];
        }
        bias.put(biasOff + (b * seq + i) * 2 * types + 2 * t + 1, (float) (row / 2));
      }
      for (int j = 0; j < seq; j++) {
        bias.put(biasOff + (b * seq + j) * 2 * types + 2 * t, (float) (columns[j] / 2));
      }
    }
  }

  /** Thread {@code thread}'s scratch of at least {@code n} doubles. */
  private double[] scratch(int thread, int n) {
    if (sums.length <= thread) {
      throw new IllegalStateException("no scratch for thread " + thread);
    }
    if (sums[thread].length < n) {
      sums[thread] = new double[n];
    }
    return sums[thread];
  }

  /**
   * Task row b·types + t: the loss of its seq² cells and their gradient. The cells are read into an
   * array with the targets' scores set aside and their cells set to the mask's value, so the
   * negatives take one max, one vectorized {@link FloatMath#exp} and one sum over the whole row (a
   * masked cell's exponential, e^−87 at the clamp, is written as 0); the few targets take
   * {@link Math#exp} in double. The sums are double, the row's loss is
   * negMax + log negSum + posMax + log posSum with the "1" of each log(1 + Σ) as e^−max.
   */
  private void lossRows(int thread, int from, int to) {
    int cells = seq * seq;
    int[] targetCells = targets.cells();
    Scratch s = scratch[thread];
    float[] row = s.row(0, cells);
    for (int r = from; r < to; r++) {
      int first = targets.offsets()[r];
      int last = targets.offsets()[r + 1];
      int at = scoresOff + r * cells;
      int dAt = dScoresOff + r * cells;
      scores.get(at, row, 0, cells);
      double posMax = 0;
      for (int p = first; p < last; p++) {
        posMax = Math.max(posMax, -row[targetCells[p]]);
      }
      double posSum = Math.exp(-posMax);
      for (int p = first; p < last; p++) {
        posSum += Math.exp(-row[targetCells[p]] - posMax);
      }
      double[] targetGrad = scratch(thread, last - first);
      for (int p = first; p < last; p++) {
        targetGrad[p - first] = -gradScale * Math.exp(-row[targetCells[p]] - posMax) / posSum;
        row[targetCells[p]] = Kernels.MASKED_SPAN;
      }
      float negMax = 0;
      for (int c = 0; c < cells; c++) {
        negMax = Math.max(negMax, row[c]);
      }
      for (int c = 0; c < cells; c++) {
        row[c] -= negMax;
      }
      double negSum = Math.exp(-negMax);
      for (int c = 0; c < cells; c += Scratch.CHUNK) {
        int n = Math.min(Scratch.CHUNK, cells - c);
        float[] chunk = s.a;
        System.arraycopy(row, c, chunk, 0, n);
        FloatMath.exp(chunk, chunk, n, s);
        float sum = 0;
        for (int i = 0; i < n; i++) {
          float e = row[c + i] < EXP_CLAMP ? 0f : chunk[i];
          row[c + i] = e;
          sum += e;
        }
        negSum += sum;
      }
      float negScale = (float) (gradScale / negSum);
      for (int c = 0; c < cells; c++) {
        row[c] *= negScale;
      }
      for (int p = first; p < last; p++) {
        row[targetCells[p]] = (float) targetGrad[p - first];
      }
      dScores.put(dAt, row, 0, cells);
      rowLoss[r] = negMax + Math.log(negSum) + posMax + Math.log(posSum);
    }
  }
}
