package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * bert4keras's hierarchical position embedding over a table E of {@code rows} rows. With
 * k = α/(1 − α), α·E′[p / rows] + (1 − α)·E′[p mod rows] is k·(E[p / rows] − E[0]) + E[p mod rows],
 * which the forward adds to each output row (one row per task step; for p < rows the first term is
 * exactly 0, so the row gets exactly E[p]). The backward runs one column block per task: it sums
 * dOut over the batch and positions, in order, into double sums per table row, L[t] over the
 * positions p mod rows = t and H[t] over p / rows = t, then adds L[t] + k·H[t] to dTable[t] for
 * t ≥ 1 and L[0] − k·Σ_{t≥1} H[t] to dTable[0] (E[0] is in every term). Each column's sums come in
 * the same order on any number of threads, so the result is the same bit for bit.
 */
final class HierarchicalPositionKernels {
  private static final int COLUMN_BLOCK = 64;

  private final ParallelRows pool;
  private final Scratch[] scratch;
  /** Per thread, the backward's double sums: L then H, {@code COLUMN_BLOCK} per table row. */
  private final double[][] sums;

  /** The table (forward) or its gradient (backward). */
  private FloatBuffer table;
  /** The {@code [batch·seq, width]} rows: out (forward) or dOut (backward). */
  private FloatBuffer outputs;
  private int tableOff;
  private int outputsOff;
  private int batch;
  private int seq;
  private int rows;
  private int width;
  private float kForward;
  private double kBackward;
  private final ParallelRows.Task forwardRows = this::forwardRows;
  private final ParallelRows.Task backwardColumns = this::backwardColumns;

  HierarchicalPositionKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
    this.sums = new double[pool.threads()][0];
  }

  /** out[b·seq + p] += k·(E[p / rows] − E[0]) + E[p mod rows]. */
  void forward(int batch, int seq, FloatBuffer table, int tableOff, int rows, int width,
      float alpha, FloatBuffer out, int outOff) {
    set(batch, seq, table, tableOff, rows, width, alpha, out, outOff);
    pool.run(batch * seq, 4L * width, forwardRows);
    clear();
  }

  /** dTable += the gradient of {@link #forward}'s sum Σ dOut ⊙ out. */
  void backward(int batch, int seq, FloatBuffer dOut, int dOutOff, int rows, int width,
      float alpha, FloatBuffer dTable, int dTableOff) {
    set(batch, seq, dTable, dTableOff, rows, width, alpha, dOut, dOutOff);
    pool.run((width + COLUMN_BLOCK - 1) / COLUMN_BLOCK, 2L * batch * seq * COLUMN_BLOCK,
        backwardColumns);
    clear();
  }

  private void set(int batch, int seq, FloatBuffer table, int tableOff, int rows, int width,
      float alpha, FloatBuffer outputs, int outputsOff) {
    this.batch = batch;
    this.seq = seq;
    this.table = table;
    this.tableOff = tableOff;
    this.rows = rows;
    this.width = width;
    this.kBackward = alpha / (1.0 - alpha);
    this.kForward = (float) kBackward;
    this.outputs = outputs;
    this.outputsOff = outputsOff;
  }

  private void clear() {
    table = outputs = null;
  }

  private void forwardRows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] o = s.a;
    float[] high = s.b;
    float[] first = s.c;
    float[] low = s.d;
    for (int r = from; r < to; r++) {
      int p = r % seq;
      int highAt = tableOff + p / rows * width;
      int lowAt = tableOff + p % rows * width;
      for (int c0 = 0; c0 < width; c0 += Scratch.CHUNK) {
        int n = Math.min(Scratch.CHUNK, width - c0);
        int at = outputsOff + r * width + c0;
        outputs.get(at, o, 0, n);
        table.get(highAt + c0, high, 0, n);
        table.get(tableOff + c0, first, 0, n);
        table.get(lowAt + c0, low, 0, n);
        for (int j = 0; j < n; j++) {
          o[j] += kForward * (high[j] - first[j]) + low[j];
        }
        outputs.put(at, o, 0, n);
      }
    }
  }

  private void backwardColumns(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] d = s.a;
    float[] t = s.b;
    int used = Math.min(rows, seq);
    int highRows = (seq + rows - 1) / rows;
    int lows = used * COLUMN_BLOCK;
    double[] acc = sums(thread, lows + highRows * COLUMN_BLOCK);
    for (int block = from; block < to; block++) {
      int c0 = block * COLUMN_BLOCK;
      int n = Math.min(COLUMN_BLOCK, width - c0);
      Arrays.fill(acc, 0, lows + highRows * COLUMN_BLOCK, 0.0);
      for (int b = 0; b < batch; b++) {
        for (int p = 0; p < seq; p++) {
          outputs.get(outputsOff + (b * seq + p) * width + c0, d, 0, n);
          int low = p % rows * COLUMN_BLOCK;
          int high = lows + p / rows * COLUMN_BLOCK;
          for (int j = 0; j < n; j++) {
            acc[low + j] += d[j];
            acc[high + j] += d[j];
          }
        }
      }
      for (int row = 0; row < used; row++) {
        int at = tableOff + row * width + c0;
        table.get(at, t, 0, n);
        for (int j = 0; j < n; j++) {
          double high;
          if (row == 0) {
            high = 0;
            for (int h = 1; h < highRows; h++) {
              high -= acc[lows + h * COLUMN_BLOCK + j];
            }
          } else {
            high = row < highRows ? acc[lows + row * COLUMN_BLOCK + j] : 0;
          }
          t[j] += (float) (acc[row * COLUMN_BLOCK + j] + kBackward * high);
        }
        table.put(at, t, 0, n);
      }
    }
  }

  /** This thread's double sums, at least n long. */
  private double[] sums(int thread, int n) {
    if (sums[thread].length < n) {
      sums[thread] = new double[n];
    }
    return sums[thread];
  }
}
