package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * Rotary position embedding (RoFormer's), in place, one row per task step: in every head of a row at
 * position p the pair (x₂ᵢ, x₂ᵢ₊₁) turns by p·θᵢ, θᵢ = 10000^(−2i/size), or by −p·θᵢ for the inverse
 * (the backward). A row's position is its index in its sequence, or given per row
 * ({@link #applyAt}, incremental decoding). The cosines and sines are computed in double, rounded to
 * float, and kept in a table per size, grown only when a longer position comes, so steady-state
 * calls allocate nothing and call no trigonometry.
 */
final class RotaryKernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;

  private int tableSeq;
  private int tableSize;
  /** cos(p·θᵢ) and sin(p·θᵢ) at [p·size/2 + i]. */
  private float[] cos = new float[0];
  private float[] sin = new float[0];

  private FloatBuffer x;
  private int xOff;
  private int seq;
  private int heads;
  private int size;
  private boolean inverse;
  /** Each row's position, or null for the row's index in its sequence. */
  private int[] positions;
  private final ParallelRows.Task rows = this::rows;

  RotaryKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  void apply(FloatBuffer x, int xOff, int batch, int seq, int heads, int size, boolean inverse) {
    table(seq, size);
    this.x = x;
    this.xOff = xOff;
    this.seq = seq;
    this.heads = heads;
    this.size = size;
    this.inverse = inverse;
    pool.run(batch * seq, 6L * heads * size, rows);
    this.x = null;
  }

  /** Turns row r of x ({@code rows × heads·size}) by positions[r]·θᵢ. */
  void applyAt(FloatBuffer x, int xOff, int[] positions, int rows, int heads, int size) {
    int longest = 0;
    for (int r = 0; r < rows; r++) {
      longest = Math.max(longest, positions[r] + 1);
    }
    table(longest, size);
    this.x = x;
    this.xOff = xOff;
    this.positions = positions;
    this.heads = heads;
    this.size = size;
    this.inverse = false;
    try {
      pool.run(rows, 6L * heads * size, this.rows);
    } finally {
      this.x = null;
      this.positions = null;
    }
  }

  private void table(int seq, int size) {
    if (seq <= tableSeq && size == tableSize) {
      return;
    }
    int half = size / 2;
    cos = new float[seq * half];
    sin = new float[seq * half];
    for (int i = 0; i < half; i++) {
      double theta = Math.pow(10000.0, -2.0 * i / size);
      for (int p = 0; p < seq; p++) {
        double angle = p * theta;
        cos[p * half + i] = (float) Math.cos(angle);
        sin[p * half + i] = (float) Math.sin(angle);
      }
    }
    tableSeq = seq;
    tableSize = size;
  }

  private void rows(int thread, int from, int to) {
    int width = heads * size;
    int half = size / 2;
    float[] v = scratch[thread].row(0, width);
    float sign = inverse ? -1f : 1f;
    for (int row = from; row < to; row++) {
      int at = (positions == null ? row % seq : positions[row]) * half;
      int off = xOff + row * width;
      x.get(off, v, 0, width);
      for (int head = 0; head < width; head += size) {
        for (int i = 0; i < half; i++) {
          float c = cos[at + i];
          float s = sign * sin[at + i];
          int j = head + 2 * i;
          float a = v[j];
          float b = v[j + 1];
          v[j] = a * c - b * s;
          v[j + 1] = b * c + a * s;
        }
      }
      x.put(off, v, 0, width);
    }
  }
}
