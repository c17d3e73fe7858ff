package bert4j.runtime.cpu;

import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The unfused attention's mask and normalization over the keys, one (batch, head) pair per task
 * step, row by row (so probs may be scores, and dScores dProbs), under the fused attention's mask
 * ({@link MaskedSoftmax}, the same float operations, so SOFTMAX gives the fused attention's
 * probabilities). With n the sequence's non-padding keys:
 *
 * <ul>
 *   <li>SOFTMAX: the masked softmax; a query with no allowed key gets 1/seq everywhere.
 *   <li>SOFTMAX_PLUS: the masked softmax of s·f, f = log(max(n, 16))/log 512 (in double, rounded).
 *   <li>SQUARED_RELU: relu(s)²/n on the allowed keys, 0 elsewhere, and 0 everywhere when n = 0.
 * </ul>
 *
 * <p>Backward: for the softmax kinds dS = f·p ⊙ (dP − Σ dP·p) (f = 1 for SOFTMAX; the dot in
 * double), 0 on a row with no allowed key; for SQUARED_RELU dS = dP·2·relu(s)/n on the allowed keys.
 */
final class AttentionNormalizationKernels {
  private static final double LOG_512 = Math.log(512);

  private final ParallelRows pool;
  private final Scratch[] scratch;
  private final MaskedSoftmax[] masks;

  private int seq;
  private int heads;
  private Mask mask;
  private Normalization normalization;
  private int[] tokenIds;
  private int[] segmentIds;
  private FloatBuffer scores;
  private FloatBuffer probs;
  private FloatBuffer dProbs;
  private FloatBuffer dScores;
  private int scoresOff;
  private int probsOff;
  private int dProbsOff;
  private int dScoresOff;
  private final ParallelRows.Task forwardPairs = this::forwardPairs;
  private final ParallelRows.Task backwardPairs = this::backwardPairs;

  AttentionNormalizationKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
    this.masks = new MaskedSoftmax[scratch.length];
    for (int i = 0; i < masks.length; i++) {
      masks[i] = new MaskedSoftmax(scratch[i]);
    }
  }

  void forward(int batch, int seq, int heads, Mask mask, Normalization normalization,
      int[] tokenIds, int[] segmentIds, FloatBuffer scores, int scoresOff, FloatBuffer probs,
      int probsOff) {
    setUp(seq, heads, mask, normalization, tokenIds, segmentIds);
    this.scores = scores;
    this.scoresOff = scoresOff;
    this.probs = probs;
    this.probsOff = probsOff;
    run(batch, 12L * seq * seq, forwardPairs);
  }

  /** {@code scores} is read for SQUARED_RELU only, and may be null otherwise. */
  void backward(int batch, int seq, int heads, Mask mask, Normalization normalization,
      int[] tokenIds, int[] segmentIds, FloatBuffer scores, int scoresOff, FloatBuffer probs,
      int probsOff, FloatBuffer dProbs, int dProbsOff, FloatBuffer dScores, int dScoresOff) {
    setUp(seq, heads, mask, normalization, tokenIds, segmentIds);
    this.scores = scores;
    this.scoresOff = scoresOff;
    this.probs = probs;
    this.probsOff = probsOff;
    this.dProbs = dProbs;
    this.dProbsOff = dProbsOff;
    this.dScores = dScores;
    this.dScoresOff = dScoresOff;
    run(batch, 8L * seq * seq, backwardPairs);
  }

  private void setUp(int seq, int heads, Mask mask, Normalization normalization, int[] tokenIds,
      int[] segmentIds) {
    this.seq = seq;
    this.heads = heads;
    this.mask = mask;
    this.normalization = normalization;
    this.tokenIds = tokenIds;
    this.segmentIds = segmentIds;
  }

  private void run(int batch, long cost, ParallelRows.Task task) {
    try {
      pool.run(batch * heads, cost, task);
    } finally {
      scores = probs = dProbs = dScores = null;
      tokenIds = segmentIds = null;
    }
  }

  /** SOFTMAX_PLUS's logit factor for a sequence of {@code keys} non-padding keys. */
  private static float lengthScale(int keys) {
    return (float) (Math.log(Math.max(keys, 16)) / LOG_512);
  }

  private void forwardPairs(int thread, int from, int to) {
    int n = seq;
    float[] row = scratch[thread].row(0, n);
    MaskedSoftmax rows = masks[thread];
    int lastBatch = -1;
    for (int pair = from; pair < to; pair++) {
      int b = pair / heads;
      if (b != lastBatch) {
        rows.batch(mask, tokenIds, segmentIds, b * n, n);
        lastBatch = b;
      }
      int keys = rows.nonPadding();
      float factor = lengthScale(keys);
      float inverseKeys = 1f / keys;
      for (int i = 0; i < n; i++) {
        int at = pair * n * n + i * n;
        scores.get(scoresOff + at, row, 0, n);
        switch (normalization) {
          case SOFTMAX -> rows.softmax(i, row);
          case SOFTMAX_PLUS -> {
            for (int j = 0; j < n; j++) {
              row[j] *= factor;
            }
            rows.softmax(i, row);
          }
          case SQUARED_RELU -> {
            if (keys == 0) {
              Arrays.fill(row, 0, n, 0f);
            } else {
              for (int j = 0; j < n; j++) {
                float r = Math.max(row[j], 0f);
                row[j] = r * r * inverseKeys;
              }
              rows.zeroMasked(i, row);
            }
          }
        }
        probs.put(probsOff + at, row, 0, n);
      }
    }
  }

  private void backwardPairs(int thread, int from, int to) {
    int n = seq;
    Scratch s = scratch[thread];
    float[] p = s.row(0, n);
    float[] d = s.row(1, n);
    MaskedSoftmax rows = masks[thread];
    int lastBatch = -1;
    for (int pair = from; pair < to; pair++) {
      int b = pair / heads;
      if (b != lastBatch) {
        rows.batch(mask, tokenIds, segmentIds, b * n, n);
        lastBatch = b;
      }
      int keys = rows.nonPadding();
      float factor = normalization == Normalization.SOFTMAX_PLUS ? lengthScale(keys) : 1f;
      float twiceInverseKeys = 2f / keys;
      for (int i = 0; i < n; i++) {
        int at = pair * n * n + i * n;
        dProbs.get(dProbsOff + at, d, 0, n);
        if (normalization == Normalization.SQUARED_RELU) {
          if (keys == 0) {
            Arrays.fill(d, 0, n, 0f);
          } else {
            scores.get(scoresOff + at, p, 0, n);
            for (int j = 0; j < n; j++) {
              d[j] *= Math.max(p[j], 0f) * twiceInverseKeys;
            }
            rows.zeroMasked(i, d);
          }
        } else if (rows.seesAnyKey(i)) {
          probs.get(probsOff + at, p, 0, n);
          double dot = 0;
          for (int j = 0; j < n; j++) {
            dot += d[j] * p[j];
          }
          float sum = (float) dot;
          for (int j = 0; j < n; j++) {
            d[j] = factor * (p[j] * (d[j] - sum));
          }
        } else {
          Arrays.fill(d, 0, n, 0f);
        }
        dScores.put(dScoresOff + at, d, 0, n);
      }
    }
  }
}
