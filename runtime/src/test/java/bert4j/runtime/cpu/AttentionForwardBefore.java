package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The attention forward as it was before its row softmax went to oneDNN (commit 926eeba),
 * kept for {@link AttentionTiming} to time against in the same process: per (batch, head) pair,
 * logits by sgemm into {@code probs}, then each row copied to an array, masked-softmaxed with the
 * padding mask and copied back, then ctx = P·v by sgemm. Dropout 0 and the padding mask only.
 */
final class AttentionForwardBefore {
  private final ParallelRows pool;
  private final Scratch[] scratch;
  private final float[][] padBias;
  private final float[][] padKeep;
  private final float[][] shifted;
  private int heads;
  private int seq;
  private int size;
  private float scale;
  private int[] tokenIds;
  private CpuWindow q;
  private CpuWindow k;
  private CpuWindow v;
  private CpuWindow probs;
  private CpuWindow ctx;
  private final ParallelRows.Task pairs = this::pairs;

  AttentionForwardBefore(ParallelRows pool) {
    this.pool = pool;
    this.scratch = Scratch.perThread(pool);
    this.padBias = new float[pool.threads()][0];
    this.padKeep = new float[pool.threads()][0];
    this.shifted = new float[pool.threads()][0];
  }

  /** ctx and probs of q, k, v ({@code [batch·seq, heads·size]} each, offset 0). */
  void forward(int batch, int seq, int heads, int size, float scale, int[] tokenIds, CpuWindow q,
      CpuWindow k, CpuWindow v, CpuWindow probs, CpuWindow ctx) {
    this.seq = seq;
    this.heads = heads;
    this.size = size;
    this.scale = scale;
    this.tokenIds = tokenIds;
    this.q = q;
    this.k = k;
    this.v = v;
    this.probs = probs;
    this.ctx = ctx;
    Blas.inWorkers(pool, batch * heads, 4L * seq * seq * 2 * size, pairs);
  }

  private void pairs(int thread, int from, int to) {
    int n = seq;
    int width = heads * size;
    Scratch s = scratch[thread];
    float[] row = s.row(0, n);
    float[] t = s.row(1, n);
    if (padBias[thread].length < n) {
      padBias[thread] = new float[n];
      padKeep[thread] = new float[n];
    }
    float[] bias = padBias[thread];
    float[] keep = padKeep[thread];
    FloatBuffer p = probs.floats();
    for (int pair = from; pair < to; pair++) {
      int b = pair / heads;
      int h = pair % heads;
      int allowed = 0;
      for (int j = 0; j < n; j++) {
        boolean kept = tokenIds[b * n + j] != 0;
        keep[j] = kept ? 1f : 0f;
        bias[j] = kept ? 0f : Float.NEGATIVE_INFINITY;
        allowed += kept ? 1 : 0;
      }
      int o = b * n * width + h * size;
      int po = pair * n * n;
      Blas.gemm(false, true, n, n, size, scale, q.view(thread, 0, o), width, k.view(thread, 1, o),
          width, 0f, probs.view(thread, 2, po), n);
      for (int i = 0; i < n; i++) {
        p.get(po + i * n, row, 0, n);
        softmax(row, t, keep, bias, allowed, n, s);
        p.put(po + i * n, row, 0, n);
      }
      Blas.gemm(false, false, n, size, n, 1f, probs.view(thread, 0, po), n, v.view(thread, 1, o),
          width, 0f, ctx.view(thread, 2, o), width);
    }
  }

  private static void softmax(float[] row, float[] t, float[] keep, float[] bias, int allowed,
      int n, Scratch s) {
    if (allowed == 0) {
      Arrays.fill(row, 0, n, 1f / n);
      return;
    }
    boolean masked = allowed < n;
    float max;
    if (masked) {
      for (int j = 0; j < n; j++) {
        t[j] = row[j] + bias[j];
      }
      max = FloatMath.max(t, n);
    } else {
      max = FloatMath.max(row, n);
    }
    for (int j = 0; j < n; j++) {
      t[j] = row[j] - max;
    }
    FloatMath.exp(t, t, n, s);
    if (masked) {
      for (int j = 0; j < n; j++) {
        t[j] *= keep[j];
      }
    }
    float inv = 1f / FloatMath.sum(t, n);
    for (int j = 0; j < n; j++) {
      row[j] = t[j] * inv;
    }
  }
}
