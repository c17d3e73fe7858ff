package bert4j.runtime.cpu;

import bert4j.runtime.kernels.RelativeBuckets;
import java.nio.FloatBuffer;

/**
 * T5's decoder attention against its caches (Kernels.decoderAttention), forward only: the new self
 * keys and values are written to the cache first, then one task per (sequence, new row, head)
 * computes its scores over the allowed cached positions in double, the softmax and the context.
 */
final class DecoderAttentionKernels {
  private final ParallelRows pool;

  private int seq;
  private int heads;
  private int keySize;
  private int headSize;
  private float scale;
  private int capacity;
  private int[] starts;
  private int keyLength;
  private int[] keyIds;
  private FloatBuffer table;
  private int tableOff;
  private int buckets;
  private int maxDistance;
  private FloatBuffer q;
  private int qOff;
  private FloatBuffer keys;
  private int keysOff;
  private FloatBuffer values;
  private int valuesOff;
  private FloatBuffer ctx;
  private int ctxOff;
  private final double[][] scratch;
  private final ParallelRows.Task rows = this::rows;

  DecoderAttentionKernels(ParallelRows pool) {
    this.pool = pool;
    this.scratch = new double[pool.threads()][0];
  }

  /** Writes the new rows' keys and values at their positions, then attends. */
  void attend(int batch, int seq, int heads, int keySize, int headSize, float scale, int capacity,
      int[] starts, int keyLength, int[] keyIds, FloatBuffer table, int tableOff, int buckets,
      int maxDistance, FloatBuffer q, int qOff, FloatBuffer k, int kOff, FloatBuffer v, int vOff,
      FloatBuffer keys, int keysOff, FloatBuffer values, int valuesOff, FloatBuffer ctx,
      int ctxOff) {
    int qk = heads * keySize;
    int hv = heads * headSize;
    if (k != null) {
      for (int b = 0; b < batch; b++) {
        for (int i = 0; i < seq; i++) {
          long row = (long) b * capacity + starts[b] + i;
          for (int c = 0; c < qk; c++) {
            keys.put((int) (keysOff + row * qk + c), k.get(kOff + (b * seq + i) * qk + c));
          }
          for (int c = 0; c < hv; c++) {
            values.put((int) (valuesOff + row * hv + c), v.get(vOff + (b * seq + i) * hv + c));
          }
        }
      }
    }
    this.seq = seq;
    this.heads = heads;
    this.keySize = keySize;
    this.headSize = headSize;
    this.scale = scale;
    this.capacity = capacity;
    this.starts = starts;
    this.keyLength = k != null ? -1 : keyLength;
    this.keyIds = keyIds;
    this.table = table;
    this.tableOff = tableOff;
    this.buckets = buckets;
    this.maxDistance = maxDistance;
    this.q = q;
    this.qOff = qOff;
    this.keys = keys;
    this.keysOff = keysOff;
    this.values = values;
    this.valuesOff = valuesOff;
    this.ctx = ctx;
    this.ctxOff = ctxOff;
    pool.run(batch * seq * heads, (long) capacity * (keySize + headSize), rows);
    this.q = this.keys = this.values = this.ctx = this.table = null;
    this.starts = this.keyIds = null;
  }

  private void rows(int thread, int from, int to) {
    if (scratch[thread].length < capacity) {
      scratch[thread] = new double[capacity];
    }
    double[] scores = scratch[thread];
    int qk = heads * keySize;
    int hv = heads * headSize;
    for (int task = from; task < to; task++) {
      int h = task % heads;
      int row = task / heads;
      int b = row / seq;
      int p = starts[b] + row % seq;
      boolean self = keyLength < 0;
      int span = self ? p + 1 : keyLength;
      int qAt = qOff + row * qk + h * keySize;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < span; j++) {
        if (!self && keyIds[b * capacity + j] == 0) {
          scores[j] = Double.NEGATIVE_INFINITY;
          continue;
        }
        int kAt = keysOff + (b * capacity + j) * qk + h * keySize;
        double dot = 0;
        for (int c = 0; c < keySize; c++) {
          dot += (double) q.get(qAt + c) * keys.get(kAt + c);
        }
        double s = dot * scale;
        if (table != null) {
          s += table.get(tableOff
              + RelativeBuckets.bucket(j - p, false, buckets, maxDistance) * heads + h);
        }
        scores[j] = s;
        max = Math.max(max, s);
      }
      double sum = 0;
      for (int j = 0; j < span; j++) {
        double e = max == Double.NEGATIVE_INFINITY ? 1 : Math.exp(scores[j] - max);
        scores[j] = e;
        sum += e;
      }
      int out = ctxOff + row * hv + h * headSize;
      for (int c = 0; c < headSize; c++) {
        double acc = 0;
        for (int j = 0; j < span; j++) {
          acc += scores[j] * values.get(valuesOff + (b * capacity + j) * hv + h * headSize + c);
        }
        ctx.put(out + c, (float) (acc / sum));
      }
    }
  }
}
