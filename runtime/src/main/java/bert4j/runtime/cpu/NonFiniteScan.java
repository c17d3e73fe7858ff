package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The first NaN or ±∞ of a buffer ({@code Kernels.firstNonFinite}), found in parallel.
 *
 * <p>First a filter at the memory's read rate: Σ|x| of each block of {@link #FILTER_BLOCK} floats by
 * OpenBLAS's sasum, single-threaded on each pool thread. Every term is ≥ 0 or NaN, so the sum is
 * finite exactly when no x is NaN or ±∞ and no sum overflows; a finite sum everywhere answers −1.
 * Only otherwise (a non-finite value, or finite values summing past the largest float) does the
 * exact scan run: each thread scans its chunks in order and offers the index of its first hit; the
 * lowest offered wins, and chunks past it are skipped. A chunk is tested as x·0 + 0, which is +0 for
 * every finite x and NaN otherwise, compared with zeros by {@link Arrays#mismatch} (a vectorized
 * intrinsic). Over BERT-base's 102 million gradients on two threads: the filter 6.9 ms, the exact
 * scan 15.7 (the earlier OR of exponent bits 21; Σx² by sdot 12.3, OpenBLAS's SkylakeX sdot being
 * slower here than its sasum; AMD EPYC Zen 5, 2026-12-01). Allocates nothing per call.
 */
final class NonFiniteScan {
  private static final float[] ZEROS = new float[Scratch.CHUNK];
  private static final long NONE = Long.MAX_VALUE;
  /** Floats whose magnitudes one sasum of the filter sums. */
  static final int FILTER_BLOCK = 1 << 20;

  private final ParallelRows pool;
  private final Scratch[] scratch;
  private final AtomicLong first = new AtomicLong();
  private CpuWindow window;
  private FloatBuffer in;
  private int offset;
  private long count;
  private volatile boolean filterFailed;
  private final ParallelRows.Task chunks = this::chunks;
  private final ParallelRows.Task filterBlocks = this::filterBlocks;

  NonFiniteScan(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  /** The index, from {@code offset}, of the first non-finite of {@code count} floats; −1 if none. */
  long first(CpuWindow in, int offset, long count) {
    this.window = in;
    this.in = in.floats();
    this.offset = offset;
    this.count = count;
    try {
      if (filterPasses()) {
        return -1;
      }
      first.set(NONE);
      int n = (int) ((count + Scratch.CHUNK - 1) / Scratch.CHUNK);
      pool.run(n, Scratch.CHUNK, chunks);
      long found = first.get();
      return found == NONE ? -1 : found;
    } finally {
      this.window = null;
      this.in = null;
    }
  }

  /** Whether every block's Σ|x| is finite, so that every x is. */
  private boolean filterPasses() {
    filterFailed = false;
    int blocks = (int) ((count + FILTER_BLOCK - 1) / FILTER_BLOCK);
    Blas.inWorkers(pool, blocks, FILTER_BLOCK, filterBlocks);
    return !filterFailed;
  }

  private void filterBlocks(int thread, int from, int to) {
    for (int block = from; block < to && !filterFailed; block++) {
      long start = (long) block * FILTER_BLOCK;
      int n = (int) Math.min(FILTER_BLOCK, count - start);
      int at = offset + (int) start;
      if (!Float.isFinite(Blas.sumOfMagnitudes(n, window.view(thread, 0, at)))) {
        filterFailed = true;
      }
    }
  }

  private void chunks(int thread, int from, int to) {
    float[] x = scratch[thread].a;
    float[] y = scratch[thread].b;
    for (int chunk = from; chunk < to; chunk++) {
      long start = (long) chunk * Scratch.CHUNK;
      if (start > first.get()) {
        return;
      }
      int n = (int) Math.min(Scratch.CHUNK, count - start);
      in.get(offset + (int) start, x, 0, n);
      for (int j = 0; j < n; j++) {
        y[j] = x[j] * 0f + 0f;
      }
      if (Arrays.mismatch(y, 0, n, ZEROS, 0, n) >= 0) {
        int j = 0;
        while (Float.isFinite(x[j])) {
          j++;
        }
        first.accumulateAndGet(start + j, Math::min);
        return;
      }
    }
  }
}
