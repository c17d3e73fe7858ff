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
  /** Below this exponent e^x is 0 in double. */
  private static final double UNDERFLOW = -745.2;

  private final ParallelRows pool;

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
  /** Per-thread sums of the backward: a row of the shared logits, or a square's column sums. */
  private final double[][] sums;
  private final ParallelRows.Task maskRows = this::maskRows;
  private final ParallelRows.Task logitRows = this::logitRows;
  private final ParallelRows.Task biasRows = this::biasRows;
  private final ParallelRows.Task lossRows = this::lossRows;

  SpanKernels(ParallelRows pool) {
    this.pool = pool;
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

  /** Whether cell (i, j) of sequence b is masked: padding at either end, or i > j under tril. */
  private boolean masked(int b, int i, int j) {
    return tokenIds[b * seq + i] == 0 || tokenIds[b * seq + j] == 0 || tril && i > j;
  }

  /** Task row (b·types + t)·seq + i: the row's seq scores from the logits, bias and mask. */
  private void maskRows(int thread, int from, int to) {
    for (int r = from; r < to; r++) {
      int i = r % seq;
      int t = r / seq % types;
      int b = r / seq / types;
      int at = scoresOff + r * seq;
      int source = logitsOff + (bias == null ? r : b * seq + i) * seq;
      for (int j = 0; j < seq; j++) {
        if (masked(b, i, j)) {
          scores.put(at + j, Kernels.MASKED_SPAN);
        } else if (bias == null) {
          scores.put(at + j, logits.get(source + j));
        } else {
          float start = bias.get(biasOff + (b * seq + i) * 2 * types + 2 * t + 1);
          float end = bias.get(biasOff + (b * seq + j) * 2 * types + 2 * t);
          scores.put(at + j, logits.get(source + j) + (end + start) / 2);
        }
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
    for (int r = from; r < to; r++) {
      int i = r % seq;
      int b = bias == null ? r / seq / types : r / seq;
      if (bias == null) {
        for (int j = 0; j < seq; j++) {
          logits.put(logitsOff + r * seq + j,
              masked(b, i, j) ? 0f : scores.get(scoresOff + r * seq + j));
        }
        continue;
      }
      Arrays.fill(sums, 0, seq, 0);
      for (int t = 0; t < types; t++) {
        int at = scoresOff + (b * types + t) * square + i * seq;
        for (int j = 0; j < seq; j++) {
          sums[j] += scores.get(at + j);
        }
      }
      for (int j = 0; j < seq; j++) {
        logits.put(logitsOff + r * seq + j, masked(b, i, j) ? 0f : (float) sums[j]);
      }
    }
  }

  /**
   * Task row b·types + t: half of each row's and each column's sums over the unmasked cells of its
   * square into dBias, in one pass along the rows.
   */
  private void biasRows(int thread, int from, int to) {
    double[] columns = scratch(thread, seq);
    for (int r = from; r < to; r++) {
      int t = r % types;
      int b = r / types;
      int square = scoresOff + r * seq * seq;
      Arrays.fill(columns, 0, seq, 0);
      for (int i = 0; i < seq; i++) {
        double row = 0;
        for (int j = 0; j < seq; j++) {
          if (!masked(b, i, j)) {
            float d = scores.get(square + i * seq + j);
            row += d;
            columns[j] += d;
          }
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
   * Task row b·types + t: the loss of its seq² cells and their gradient. The second pass keeps each
   * cell's shifted exponential in dScores (read before it is written, so dScores may be the scores)
   * and the third scales it, so each cell takes one exp; an exponent below −745 is 0 in double and
   * skipped (the masked cells, most of a padded row).
   */
  private void lossRows(int thread, int from, int to) {
    int cells = seq * seq;
    int[] targetCells = targets.cells();
    for (int r = from; r < to; r++) {
      int first = targets.offsets()[r];
      int last = targets.offsets()[r + 1];
      int at = scoresOff + r * cells;
      int dAt = dScoresOff + r * cells;
      double negMax = 0;
      double posMax = 0;
      for (int c = 0, p = first; c < cells; c++) {
        double s = scores.get(at + c);
        if (p < last && targetCells[p] == c) {
          posMax = Math.max(posMax, -s);
          p++;
        } else {
          negMax = Math.max(negMax, s);
        }
      }
      double negSum = Math.exp(-negMax);
      double posSum = Math.exp(-posMax);
      for (int c = 0, p = first; c < cells; c++) {
        double s = scores.get(at + c);
        boolean target = p < last && targetCells[p] == c;
        p += target ? 1 : 0;
        double x = target ? -s - posMax : s - negMax;
        double e = x < UNDERFLOW ? 0 : Math.exp(x);
        if (target) {
          posSum += e;
        } else {
          negSum += e;
        }
        dScores.put(dAt + c, (float) e);
      }
      rowLoss[r] = negMax + Math.log(negSum) + posMax + Math.log(posSum);
      float negScale = (float) (gradScale / negSum);
      float posScale = (float) (-gradScale / posSum);
      for (int c = 0, p = first; c < cells; c++) {
        boolean target = p < last && targetCells[p] == c;
        p += target ? 1 : 0;
        dScores.put(dAt + c, dScores.get(dAt + c) * (target ? posScale : negScale));
      }
    }
  }
}
