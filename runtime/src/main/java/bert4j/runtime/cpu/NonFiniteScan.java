package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The first NaN or ±∞ of a buffer ({@code Kernels.firstNonFinite}), found in parallel: each thread
 * scans its chunks in order with an integer test of the exponent bits (a loop the JIT vectorises)
 * and offers the index of its first hit; the lowest offered wins, and chunks past it are skipped.
 * Allocates nothing per call.
 */
final class NonFiniteScan {
  /** The exponent bits of a float: all ones for NaN and ±∞ only. */
  private static final int EXPONENT = 0x7f800000;
  /** Added to the exponent bits, carries into the sign bit exactly when they are all ones. */
  private static final int EXPONENT_CARRY = 0x00800000;
  private static final long NONE = Long.MAX_VALUE;

  private final ParallelRows pool;
  private final Scratch[] scratch;
  private final AtomicLong first = new AtomicLong();
  private FloatBuffer in;
  private int offset;
  private long count;
  private final ParallelRows.Task chunks = this::chunks;

  NonFiniteScan(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  /** The index, from {@code offset}, of the first non-finite of {@code count} floats; −1 if none. */
  long first(FloatBuffer in, int offset, long count) {
    this.in = in;
    this.offset = offset;
    this.count = count;
    first.set(NONE);
    int n = (int) ((count + Scratch.CHUNK - 1) / Scratch.CHUNK);
    pool.run(n, Scratch.CHUNK, chunks);
    this.in = null;
    long found = first.get();
    return found == NONE ? -1 : found;
  }

  private void chunks(int thread, int from, int to) {
    float[] x = scratch[thread].a;
    for (int chunk = from; chunk < to; chunk++) {
      long start = (long) chunk * Scratch.CHUNK;
      if (start > first.get()) {
        return;
      }
      int n = (int) Math.min(Scratch.CHUNK, count - start);
      in.get(offset + (int) start, x, 0, n);
      int carries = 0;
      for (int j = 0; j < n; j++) {
        carries |= (Float.floatToRawIntBits(x[j]) & EXPONENT) + EXPONENT_CARRY;
      }
      if (carries < 0) {
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
