package bert4j.runtime.cpu;

import bert4j.runtime.kernels.RelativeBuckets;
import java.nio.FloatBuffer;

/**
 * T5's relative position bias on [batch, heads, seq, seq] score maps: the forward adds
 * table[bucket(j − i)·heads + h] to every cell, one map per task; the backward sums each bucket's
 * cells into the table's gradient, per head along the diagonals (one distance each) and then per
 * bucket, in double.
 */
final class RelativeBiasKernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer scores;
  private int scoresOff;
  private int seq;
  private int heads;
  /** Each head's bias by distance, [heads, 2·seq − 1]; grown, never shrunk. */
  private float[] biases = new float[0];
  private final ParallelRows.Task maps = this::maps;

  RelativeBiasKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  void bias(int batch, int seq, int heads, FloatBuffer table, int tableOff, int bucketCount,
      int maxDistance, boolean bidirectional, FloatBuffer scores, int scoresOff) {
    this.scores = scores;
    this.scoresOff = scoresOff;
    this.seq = seq;
    this.heads = heads;
    int[] buckets = RelativeBuckets.forDistances(seq, bidirectional, bucketCount, maxDistance);
    int span = 2 * seq - 1;
    if (biases.length < heads * span) {
      biases = new float[heads * span];
    }
    for (int h = 0; h < heads; h++) {
      for (int d = 0; d < span; d++) {
        biases[h * span + d] = table.get(tableOff + buckets[d] * heads + h);
      }
    }
    pool.run(batch * heads, (long) seq * seq, maps);
    this.scores = null;
  }

  private void maps(int thread, int from, int to) {
    float[] row = scratch[thread].a;
    int span = 2 * seq - 1;
    for (int map = from; map < to; map++) {
      int first = map % heads * span + seq - 1;
      for (int i = 0; i < seq; i++) {
        int at = scoresOff + (map * seq + i) * seq;
        for (int j = 0; j < seq; j += Scratch.CHUNK) {
          int n = Math.min(Scratch.CHUNK, seq - j);
          scores.get(at + j, row, 0, n);
          for (int c = 0; c < n; c++) {
            row[c] += biases[first + j + c - i];
          }
          scores.put(at + j, row, 0, n);
        }
      }
    }
  }

  void backward(int batch, int seq, int heads, FloatBuffer dScores, int dScoresOff,
      int bucketCount, int maxDistance, boolean bidirectional, FloatBuffer dTable, int dTableOff) {
    int[] bucketOf = RelativeBuckets.forDistances(seq, bidirectional, bucketCount, maxDistance);
    double[] sums = new double[bucketCount * heads];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int map = (b * heads + h) * seq * seq;
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            sums[bucketOf[j - i + seq - 1] * heads + h] += dScores.get(dScoresOff + map + i * seq + j);
          }
        }
      }
    }
    for (int e = 0; e < sums.length; e++) {
      dTable.put(dTableOff + e, (float) (dTable.get(dTableOff + e) + sums[e]));
    }
  }
}
