package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * Embedding gather (parallel over rows) and its scatter-add backward, which runs in parallel over
 * column blocks and adds the rows in order, so repeated ids never race and the result is the same
 * bit for bit on every run.
 */
final class EmbeddingKernels {
  private static final int COLUMN_BLOCK = 128;

  private final ParallelRows pool;
  private final Scratch[] scratch;

  private int[] ids;
  private FloatBuffer table;
  private FloatBuffer rows;
  private int tableOff;
  private int rowsOff;
  private int count;
  private int width;
  private boolean accumulate;
  private final ParallelRows.Task gather = this::gather;
  private final ParallelRows.Task scatter = this::scatter;

  EmbeddingKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  /** out[r] = table[ids[r]] (or +=) for r in [0, count). */
  void forward(int[] ids, int count, FloatBuffer table, int tableOff, int width, FloatBuffer out,
      int outOff, boolean accumulate) {
    set(ids, count, table, tableOff, width, out, outOff);
    this.accumulate = accumulate;
    pool.run(count, 2L * width, gather);
    clear();
  }

  /** dTable[ids[r]] += dOut[r] for r in [0, count). */
  void backward(int[] ids, int count, FloatBuffer dOut, int dOutOff, int width, FloatBuffer dTable,
      int dTableOff) {
    set(ids, count, dTable, dTableOff, width, dOut, dOutOff);
    pool.run((width + COLUMN_BLOCK - 1) / COLUMN_BLOCK, 3L * count * COLUMN_BLOCK, scatter);
    clear();
  }

  private void set(int[] ids, int count, FloatBuffer table, int tableOff, int width,
      FloatBuffer rows, int rowsOff) {
    this.ids = ids;
    this.count = count;
    this.table = table;
    this.tableOff = tableOff;
    this.width = width;
    this.rows = rows;
    this.rowsOff = rowsOff;
  }

  private void clear() {
    ids = null;
    table = rows = null;
  }

  private void gather(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] t = s.a;
    float[] o = s.b;
    for (int r = from; r < to; r++) {
      for (int c0 = 0; c0 < width; c0 += Scratch.CHUNK) {
        int n = Math.min(Scratch.CHUNK, width - c0);
        table.get(tableOff + ids[r] * width + c0, t, 0, n);
        int at = rowsOff + r * width + c0;
        if (accumulate) {
          rows.get(at, o, 0, n);
          for (int j = 0; j < n; j++) {
            t[j] += o[j];
          }
        }
        rows.put(at, t, 0, n);
      }
    }
  }

  private void scatter(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] d = s.a;
    float[] t = s.b;
    for (int block = from; block < to; block++) {
      int c0 = block * COLUMN_BLOCK;
      int n = Math.min(COLUMN_BLOCK, width - c0);
      for (int r = 0; r < count; r++) {
        rows.get(rowsOff + r * width + c0, d, 0, n);
        int at = tableOff + ids[r] * width + c0;
        table.get(at, t, 0, n);
        for (int j = 0; j < n; j++) {
          t[j] += d[j];
        }
        table.put(at, t, 0, n);
      }
    }
  }
}
