package bert4j.runtime.cpu;

/**
 * The two products of the unfused attention, for the attention options that work on the logits or
 * the weights in between (NEZHA's relative positions, talking heads, another normalization):
 * scores = scale·q·kᵀ and ctx = P·v, and their backwards, as {@link AttentionKernels} computes them:
 * one (batch, head) pair per task step, each thread calling single-threaded OpenBLAS on its pairs.
 *
 * <p>Backward per pair: dq = scale·dS·k, dk = scale·dSᵀ·q; dP = dCtx·vᵀ, dv = Pᵀ·dCtx.
 */
final class UnfusedAttentionKernels {
  private final ParallelRows pool;

  private int seq;
  private int heads;
  private int keySize;
  private int headSize;
  private float scale;
  /** Scores-side operands: q, k, the maps (scores or dScores), dq, dk. */
  private CpuWindow q;
  private CpuWindow k;
  private CpuWindow maps;
  private CpuWindow dq;
  private CpuWindow dk;
  /** Context-side operands: probs, v, ctx or dCtx, dProbs, dv. */
  private CpuWindow probs;
  private CpuWindow v;
  private CpuWindow ctx;
  private CpuWindow dProbs;
  private CpuWindow dv;
  private int qOff;
  private int kOff;
  private int mapsOff;
  private int dqOff;
  private int dkOff;
  private int probsOff;
  private int vOff;
  private int ctxOff;
  private int dProbsOff;
  private int dvOff;
  private final ParallelRows.Task scoresPairs = this::scoresPairs;
  private final ParallelRows.Task scoresBackwardPairs = this::scoresBackwardPairs;
  private final ParallelRows.Task contextPairs = this::contextPairs;
  private final ParallelRows.Task contextBackwardPairs = this::contextBackwardPairs;

  UnfusedAttentionKernels(ParallelRows pool) {
    this.pool = pool;
  }

  /** scores[b,h] = scale·q_{b,h}·k_{b,h}ᵀ. */
  void scores(int batch, int seq, int heads, int keySize, float scale, CpuWindow q, int qOff,
      CpuWindow k, int kOff, CpuWindow scores, int scoresOff) {
    shape(seq, heads, keySize, 0, scale);
    this.q = q;
    this.qOff = qOff;
    this.k = k;
    this.kOff = kOff;
    this.maps = scores;
    this.mapsOff = scoresOff;
    runPairs(batch, 2L * seq * seq * keySize, scoresPairs);
  }

  /** dq and dk (overwritten) from dScores. */
  void scoresBackward(int batch, int seq, int heads, int keySize, float scale, CpuWindow q,
      int qOff, CpuWindow k, int kOff, CpuWindow dScores, int dScoresOff, CpuWindow dq, int dqOff,
      CpuWindow dk, int dkOff) {
    shape(seq, heads, keySize, 0, scale);
    this.q = q;
    this.qOff = qOff;
    this.k = k;
    this.kOff = kOff;
    this.maps = dScores;
    this.mapsOff = dScoresOff;
    this.dq = dq;
    this.dqOff = dqOff;
    this.dk = dk;
    this.dkOff = dkOff;
    runPairs(batch, 4L * seq * seq * keySize, scoresBackwardPairs);
  }

  /** ctx_{b,h} = P_{b,h}·v_{b,h} (overwritten). */
  void context(int batch, int seq, int heads, int headSize, CpuWindow probs, int probsOff,
      CpuWindow v, int vOff, CpuWindow ctx, int ctxOff) {
    shape(seq, heads, 0, headSize, 1f);
    this.probs = probs;
    this.probsOff = probsOff;
    this.v = v;
    this.vOff = vOff;
    this.ctx = ctx;
    this.ctxOff = ctxOff;
    runPairs(batch, 2L * seq * seq * headSize, contextPairs);
  }

  /** dProbs and dv (overwritten) from dCtx. */
  void contextBackward(int batch, int seq, int heads, int headSize, CpuWindow probs, int probsOff,
      CpuWindow v, int vOff, CpuWindow dCtx, int dCtxOff, CpuWindow dProbs, int dProbsOff,
      CpuWindow dv, int dvOff) {
    shape(seq, heads, 0, headSize, 1f);
    this.probs = probs;
    this.probsOff = probsOff;
    this.v = v;
    this.vOff = vOff;
    this.ctx = dCtx;
    this.ctxOff = dCtxOff;
    this.dProbs = dProbs;
    this.dProbsOff = dProbsOff;
    this.dv = dv;
    this.dvOff = dvOff;
    runPairs(batch, 4L * seq * seq * headSize, contextBackwardPairs);
  }

  private void shape(int seq, int heads, int keySize, int headSize, float scale) {
    this.seq = seq;
    this.heads = heads;
    this.keySize = keySize;
    this.headSize = headSize;
    this.scale = scale;
  }

  private void runPairs(int batch, long cost, ParallelRows.Task task) {
    try {
      Blas.inWorkers(pool, batch * heads, cost, task);
    } finally {
      q = k = maps = dq = dk = probs = v = ctx = dProbs = dv = null;
    }
  }

  /** The offset of pair {@code pair}'s head in a [batch, seq, heads·size] tensor. */
  private int head(int pair, int size) {
    return (pair / heads) * seq * heads * size + (pair % heads) * size;
  }

  private void scoresPairs(int thread, int from, int to) {
    int n = seq;
    int width = heads * keySize;
    for (int pair = from; pair < to; pair++) {
      int at = head(pair, keySize);
      Blas.gemm(false, true, n, n, keySize, scale, q.view(thread, 0, qOff + at), width,
          k.view(thread, 1, kOff + at), width, 0f, maps.view(thread, 2, mapsOff + pair * n * n), n);
    }
  }

  private void scoresBackwardPairs(int thread, int from, int to) {
    int n = seq;
    int width = heads * keySize;
    for (int pair = from; pair < to; pair++) {
      int at = head(pair, keySize);
      int mo = mapsOff + pair * n * n;
      Blas.gemm(false, false, n, keySize, n, scale, maps.view(thread, 0, mo), n,
          k.view(thread, 1, kOff + at), width, 0f, dq.view(thread, 2, dqOff + at), width);
      Blas.gemm(true, false, n, keySize, n, scale, maps.view(thread, 0, mo), n,
          q.view(thread, 1, qOff + at), width, 0f, dk.view(thread, 2, dkOff + at), width);
    }
  }

  private void contextPairs(int thread, int from, int to) {
    int n = seq;
    int width = heads * headSize;
    for (int pair = from; pair < to; pair++) {
      int at = head(pair, headSize);
      Blas.gemm(false, false, n, headSize, n, 1f, probs.view(thread, 0, probsOff + pair * n * n), n,
          v.view(thread, 1, vOff + at), width, 0f, ctx.view(thread, 2, ctxOff + at), width);
    }
  }

  private void contextBackwardPairs(int thread, int from, int to) {
    int n = seq;
    int width = heads * headSize;
    for (int pair = from; pair < to; pair++) {
      int at = head(pair, headSize);
      Blas.gemm(false, true, n, n, headSize, 1f, ctx.view(thread, 0, ctxOff + at), width,
          v.view(thread, 1, vOff + at), width, 0f,
          dProbs.view(thread, 2, dProbsOff + pair * n * n), n);
      Blas.gemm(true, false, n, headSize, n, 1f, probs.view(thread, 0, probsOff + pair * n * n), n,
          ctx.view(thread, 1, ctxOff + at), width, 0f, dv.view(thread, 2, dvOff + at), width);
    }
  }
}
