package bert4j.runtime.cpu;

import bert4j.runtime.kernels.RelativeBuckets;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * T5's relative position bias on [batch, heads, seq, seq] score maps: the forward adds
 * table[bucket(j − i)·heads + h] to every cell, one map per task; the backward sums each map along
 * its diagonals (one distance each, in double, one map per task), then adds the maps' diagonal sums
 * into (bucket, head) sums in map order — the same bits on any number of threads — and those into
 * the table's gradient.
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
  /** The backward's diagonal sums of each map, [batch·heads, 2·seq − 1]; grown, never shrunk. */
  private double[] diagonals = new double[0];
  /** The backward's (bucket, head) sums; grown, never shrunk. */
  private double[] sums = new double[0];
  /** The bucket of each distance for the last call's arguments ({@link #buckets}). */
  private int[] buckets;
  private int bucketsSeq;
  private boolean bucketsBidirectional;
  private int bucketsCount;
  private int bucketsMaxDistance;
  private final ParallelRows.Task maps = this::maps;
  private final ParallelRows.Task diagonalSums = this::diagonalSums;

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
    int[] buckets = buckets(seq, bidirectional, bucketCount, maxDistance);
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
    int[] bucketOf = buckets(seq, bidirectional, bucketCount, maxDistance);
    int span = 2 * seq - 1;
    int mapCount = batch * heads;
    if (diagonals.length < mapCount * span) {
      diagonals = new double[mapCount * span];
    }
    this.scores = dScores;
    this.scoresOff = dScoresOff;
    this.seq = seq;
    try {
      pool.run(mapCount, (long) seq * seq, diagonalSums);
    } finally {
      this.scores = null;
    }
    int count = bucketCount * heads;
    if (sums.length < count) {
      sums = new double[count];
    }
    Arrays.fill(sums, 0, count, 0.0);
    for (int map = 0; map < mapCount; map++) {
      int h = map % heads;
      for (int d = 0; d < span; d++) {
        sums[bucketOf[d] * heads + h] += diagonals[map * span + d];
      }
    }
    for (int e = 0; e < count; e++) {
      dTable.put(dTableOff + e, (float) (dTable.get(dTableOff + e) + sums[e]));
    }
  }

  /** {@link RelativeBuckets#forDistances}, kept while the arguments repeat (every layer's call). */
  private int[] buckets(int seq, boolean bidirectional, int bucketCount, int maxDistance) {
    if (buckets == null || seq != bucketsSeq || bidirectional != bucketsBidirectional
        || bucketCount != bucketsCount || maxDistance != bucketsMaxDistance) {
      buckets = RelativeBuckets.forDistances(seq, bidirectional, bucketCount, maxDistance);
      bucketsSeq = seq;
      bucketsBidirectional = bidirectional;
      bucketsCount = bucketCount;
      bucketsMaxDistance = maxDistance;
    }
    return buckets;
  }

  /** Each map's cells summed by distance j − i into its row of {@link #diagonals}. */
  private void diagonalSums(int thread, int from, int to) {
    float[] row = scratch[thread].row(0, seq);
    int span = 2 * seq - 1;
    for (int map = from; map < to; map++) {
      int base = map * span + seq - 1;
      Arrays.fill(diagonals, map * span, map * span + span, 0.0);
      for (int i = 0; i < seq; i++) {
        scores.get(scoresOff + (map * seq + i) * seq, row, 0, seq);
        for (int j = 0; j < seq; j++) {
          diagonals[base + j - i] += row[j];
        }
      }
    }
  }
}
