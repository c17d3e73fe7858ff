package bert4j.runtime.cpu;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.SpanRows;
import java.nio.FloatBuffer;

/**
 * GlobalPointer's span scores ({@code [batch, types, seq, seq]}): the mask (with
 * EfficientGlobalPointer's shared logits and start/end bias) and its backward, and the multilabel
 * categorical cross-entropy. The mask works one (b, t, i) row per task row. Its backward writes
 * dLogits one logits row per task row and, with a bias, gives each (b, t, x) the sums of row x and
 * column x, so each dBias value is written by one task row. The loss works one (b, t) per task row in
 * double, its row losses added in row order on the calling thread.
 */
final class SpanKernels {
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
  private final ParallelRows.Task maskRows = this::maskRows;
  private final ParallelRows.Task logitRows = this::logitRows;
  private final ParallelRows.Task biasRows = this::biasRows;
  private final ParallelRows.Task lossRows = this::lossRows;

  SpanKernels(ParallelRows pool) {
    this.pool = pool;
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
      pool.run(batch * types * seq, 4L * seq, biasRows);
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
   * dScores with 0 at the masked cells, or their sum over the types.
   */
  private void logitRows(int thread, int from, int to) {
    int square = seq * seq;
    for (int r = from; r < to; r++) {
      int i = r % seq;
      int b = bias == null ? r / seq / types : r / seq;
      for (int j = 0; j < seq; j++) {
        float d = 0f;
        if (!masked(b, i, j)) {
          if (bias == null) {
            d = scores.get(scoresOff + r * seq + j);
          } else {
            double sum = 0;
            for (int t = 0; t < types; t++) {
              sum += scores.get(scoresOff + (b * types + t) * square + i * seq + j);
            }
            d = (float) sum;
          }
        }
        logits.put(logitsOff + r * seq + j, d);
      }
    }
  }

  /** Task row (b·types + t)·seq + x: half of row x's and of column x's sums into dBias. */
  private void biasRows(int thread, int from, int to) {
    for (int r = from; r < to; r++) {
      int x = r % seq;
      int t = r / seq % types;
      int b = r / seq / types;
      int square = scoresOff + (b * types + t) * seq * seq;
      double row = 0;
      double column = 0;
      for (int y = 0; y < seq; y++) {
        if (!masked(b, x, y)) {
          row += scores.get(square + x * seq + y);
        }
        if (!masked(b, y, x)) {
          column += scores.get(square + y * seq + x);
        }
      }
      int at = biasOff + (b * seq + x) * 2 * types + 2 * t;
      bias.put(at, (float) (column / 2));
      bias.put(at + 1, (float) (row / 2));
    }
  }

  /** Task row b·types + t: the loss of its seq² cells and their gradient. */
  private void lossRows(int thread, int from, int to) {
    int cells = seq * seq;
    int[] targetCells = targets.cells();
    for (int r = from; r < to; r++) {
      int first = targets.offsets()[r];
      int last = targets.offsets()[r + 1];
      int at = scoresOff + r * cells;
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
        if (p < last && targetCells[p] == c) {
          posSum += Math.exp(-s - posMax);
          p++;
        } else {
          negSum += Math.exp(s - negMax);
        }
      }
      rowLoss[r] = negMax + Math.log(negSum) + posMax + Math.log(posSum);
      int dAt = dScoresOff + r * cells;
      for (int c = 0, p = first; c < cells; c++) {
        double s = scores.get(at + c);
        double g;
        if (p < last && targetCells[p] == c) {
          g = -Math.exp(-s - posMax) / posSum;
          p++;
        } else {
          g = Math.exp(s - negMax) / negSum;
        }
        dScores.put(dAt + c, (float) (g * gradScale));
      }
    }
  }
}
