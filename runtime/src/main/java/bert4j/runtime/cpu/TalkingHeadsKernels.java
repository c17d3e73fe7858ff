package bert4j.runtime.cpu;

/**
 * Talking heads: each sequence's maps are a {@code [heads, seq²]} matrix X_b, mixed by w
 * {@code [heads, heads]}: out_b = w·X_b. The forward and dx_b = wᵀ·dOut_b run as gemms over blocks
 * of map columns, one (batch, block) per task step, each thread calling single-threaded OpenBLAS;
 * dw += Σ_b dOut_b·X_bᵀ runs one sequence after another on the calling thread, OpenBLAS on every
 * thread, so its sums come in the same order on every run.
 */
final class TalkingHeadsKernels {
  /** Map columns per task step: a few hundred KB of each operand. */
  private static final int COLUMNS = 8192;

  private final ParallelRows pool;

  private int heads;
  private int columns;
  private int blocks;
  private boolean transposeW;
  private CpuWindow w;
  private CpuWindow in;
  private CpuWindow out;
  private int wOff;
  private int inOff;
  private int outOff;
  private final ParallelRows.Task mixBlocks = this::mixBlocks;

  TalkingHeadsKernels(ParallelRows pool) {
    this.pool = pool;
  }

  /** out_b = w·x_b. */
  void mix(int batch, int seq, int heads, CpuWindow x, int xOff, CpuWindow w, int wOff,
      CpuWindow out, int outOff) {
    run(batch, seq, heads, false, w, wOff, x, xOff, out, outOff);
  }

  /** dx_b = wᵀ·dOut_b (overwritten), dw += Σ_b dOut_b·x_bᵀ. */
  void backward(int batch, int seq, int heads, CpuWindow x, int xOff, CpuWindow w, int wOff,
      CpuWindow dOut, int dOutOff, CpuWindow dx, int dxOff, CpuWindow dw, int dwOff) {
    run(batch, seq, heads, true, w, wOff, dOut, dOutOff, dx, dxOff);
    int maps = seq * seq;
    for (int b = 0; b < batch; b++) {
      int at = b * heads * maps;
      Blas.gemm(false, true, heads, heads, maps, 1f, dOut.view(0, 0, dOutOff + at), maps,
          x.view(0, 1, xOff + at), maps, 1f, dw.view(0, 2, dwOff), heads);
    }
  }

  private void run(int batch, int seq, int heads, boolean transposeW, CpuWindow w, int wOff,
      CpuWindow in, int inOff, CpuWindow out, int outOff) {
    this.heads = heads;
    this.columns = seq * seq;
    this.blocks = (columns + COLUMNS - 1) / COLUMNS;
    this.transposeW = transposeW;
    this.w = w;
    this.wOff = wOff;
    this.in = in;
    this.inOff = inOff;
    this.out = out;
    this.outOff = outOff;
    try {
      Blas.inWorkers(pool, batch * blocks, 2L * heads * heads * Math.min(COLUMNS, columns),
          mixBlocks);
    } finally {
      this.w = this.in = this.out = null;
    }
  }

  private void mixBlocks(int thread, int from, int to) {
    for (int task = from; task < to; task++) {
      int first = (task % blocks) * COLUMNS;
      int at = (task / blocks) * heads * columns + first;
      Blas.gemm(transposeW, false, heads, Math.min(COLUMNS, columns - first), heads, 1f,
          w.view(thread, 0, wOff), heads, in.view(thread, 1, inOff + at), columns, 0f,
          out.view(thread, 2, outOff + at), columns);
    }
  }
}
