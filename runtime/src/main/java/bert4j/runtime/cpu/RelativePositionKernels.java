package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * NEZHA's "typical relative" position terms, one (batch, head) pair per task step, row by row. Key j
 * of query i falls in bucket p = clip(j − i, −M, M) + M of the fixed sinusoid table R ({@link Table},
 * M = maxRelative), so a query row needs R only through its 2M + 1 buckets:
 *
 * <ul>
 *   <li>scores: t[p] = scale·q_i·R[p] for the buckets the row reaches, then s[i,j] += t[p(j)];
 *       backward: u[p] = Σ_{j in p} dS[i,j], dq_i += scale·Σ_p u[p]·R[p].
 *   <li>context: u[p] = Σ_{j in p} P[i,j], ctx_i += Σ_p u[p]·R[p]; backward: t[p] = dCtx_i·R[p],
 *       dP[i,j] += t[p(j)].
 * </ul>
 *
 * Each pair writes only its own head's columns and maps, so the pairs run on any threads.
 */
final class RelativePositionKernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;
  /** The tables of the scores (keySize columns) and of the context (headSize columns). */
  private final Table scoresTable = new Table();
  private final Table contextTable = new Table();

  private int seq;
  private int heads;
  private int width;
  private int maxRelative;
  private float scale;
  private float[] table;
  /** The per-token tensor (q, dq, ctx or dCtx: [batch, seq, heads·width]) and the maps. */
  private FloatBuffer tokens;
  private FloatBuffer maps;
  private int tokensOff;
  private int mapsOff;
  private final ParallelRows.Task spreadPairs = this::spreadPairs;
  private final ParallelRows.Task gatherPairs = this::gatherPairs;

  RelativePositionKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  /** scores += the relative term of q. */
  void scores(int batch, int seq, int heads, int keySize, float scale, int maxRelative,
      FloatBuffer q, int qOff, FloatBuffer scores, int scoresOff) {
    run(batch, seq, heads, keySize, scale, maxRelative, scoresTable, q, qOff, scores, scoresOff,
        spreadPairs);
  }

  /** dq += the relative term's gradient from dScores. */
  void scoresBackward(int batch, int seq, int heads, int keySize, float scale, int maxRelative,
      FloatBuffer dScores, int dScoresOff, FloatBuffer dq, int dqOff) {
    run(batch, seq, heads, keySize, scale, maxRelative, scoresTable, dq, dqOff, dScores,
        dScoresOff, gatherPairs);
  }

  /** ctx += the relative term of probs. */
  void context(int batch, int seq, int heads, int headSize, int maxRelative, FloatBuffer probs,
      int probsOff, FloatBuffer ctx, int ctxOff) {
    run(batch, seq, heads, headSize, 1f, maxRelative, contextTable, ctx, ctxOff, probs, probsOff,
        gatherPairs);
  }

  /** dProbs += the relative term's gradient from dCtx. */
  void contextBackward(int batch, int seq, int heads, int headSize, int maxRelative,
      FloatBuffer dCtx, int dCtxOff, FloatBuffer dProbs, int dProbsOff) {
    run(batch, seq, heads, headSize, 1f, maxRelative, contextTable, dCtx, dCtxOff, dProbs,
        dProbsOff, spreadPairs);
  }

  private void run(int batch, int seq, int heads, int width, float scale, int maxRelative,
      Table cached, FloatBuffer tokens, int tokensOff, FloatBuffer maps, int mapsOff,
      ParallelRows.Task task) {
    this.seq = seq;
    this.heads = heads;
    this.width = width;
    this.scale = scale;
    this.maxRelative = maxRelative;
    this.table = cached.get(maxRelative, width);
    this.tokens = tokens;
    this.tokensOff = tokensOff;
    this.maps = maps;
    this.mapsOff = mapsOff;
    long buckets = Math.min(2L * maxRelative + 1, 2L * seq - 1);
    try {
      pool.run(batch * heads, 2L * seq * (seq + buckets * width), task);
    } finally {
      this.tokens = this.maps = null;
    }
  }

  /** The first bucket query row i reaches (its key 0). */
  private int firstBucket(int i) {
    return Math.max(0, maxRelative - i);
  }

  /** The last bucket query row i reaches (its key seq − 1). */
  private int lastBucket(int i) {
    return Math.min(2 * maxRelative, maxRelative + seq - 1 - i);
  }

  /** The bucket of key j for query i. */
  private int bucket(int i, int j) {
    return Math.max(-maxRelative, Math.min(maxRelative, j - i)) + maxRelative;
  }

  /** maps[i, j] += scale·(tokens_i·R[p(j)]): the scores' forward and the context's backward. */
  private void spreadPairs(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int n = seq;
    int w = width;
    float[] x = s.row(0, w);
    float[] t = s.row(1, 2 * maxRelative + 1);
    float[] row = s.row(2, n);
    for (int pair = from; pair < to; pair++) {
      int b = pair / heads;
      int h = pair % heads;
      for (int i = 0; i < n; i++) {
        tokens.get(tokensOff + (b * n + i) * heads * w + h * w, x, 0, w);
        int last = lastBucket(i);
        for (int p = firstBucket(i); p <= last; p++) {
          float dot = 0f;
          int at = p * w;
          for (int d = 0; d < w; d++) {
            dot += x[d] * table[at + d];
          }
          t[p] = scale * dot;
        }
        int rowAt = mapsOff + pair * n * n + i * n;
        maps.get(rowAt, row, 0, n);
        for (int j = 0; j < n; j++) {
          row[j] += t[bucket(i, j)];
        }
        maps.put(rowAt, row, 0, n);
      }
    }
  }

  /** tokens_i += scale·Σ_p (Σ_{j in p} maps[i, j])·R[p]: the scores' backward, the context. */
  private void gatherPairs(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int n = seq;
    int w = width;
    float[] x = s.row(0, w);
    float[] u = s.row(1, 2 * maxRelative + 1);
    float[] row = s.row(2, n);
    for (int pair = from; pair < to; pair++) {
      int b = pair / heads;
      int h = pair % heads;
      for (int i = 0; i < n; i++) {
        maps.get(mapsOff + pair * n * n + i * n, row, 0, n);
        int first = firstBucket(i);
        int last = lastBucket(i);
        for (int p = first; p <= last; p++) {
          u[p] = 0f;
        }
        for (int j = 0; j < n; j++) {
          u[bucket(i, j)] += row[j];
        }
        int xAt = tokensOff + (b * n + i) * heads * w + h * w;
        tokens.get(xAt, x, 0, w);
        for (int p = first; p <= last; p++) {
          float c = scale * u[p];
          int at = p * w;
          for (int d = 0; d < w; d++) {
            x[d] += c * table[at + d];
          }
        }
        tokens.put(xAt, x, 0, w);
      }
    }
  }

  /**
   * NEZHA's fixed table of 2M + 1 rows and {@code width} columns, R[p][2c] = sin(p·10000^(−2c/width)),
   * R[p][2c+1] = cos(the same), computed in double and rounded to float; rebuilt only when M or the
   * width change.
   */
  static final class Table {
    private int maxRelative;
    private int width;
    private float[] values = new float[0];

    float[] get(int maxRelative, int width) {
      if (maxRelative != this.maxRelative || width != this.width) {
        float[] r = new float[(2 * maxRelative + 1) * width];
        for (int p = 0; p <= 2 * maxRelative; p++) {
          for (int d = 0; d < width; d++) {
            double angle = p * Math.pow(10000.0, -(double) (d - d % 2) / width);
            r[p * width + d] = (float) (d % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
          }
        }
        this.values = r;
        this.maxRelative = maxRelative;
        this.width = width;
      }
      return values;
    }
  }
}
