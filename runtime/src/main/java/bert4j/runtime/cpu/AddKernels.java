package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * out = a + b, elementwise in chunks split over the threads: the sum of two gradients that reach one
 * value by separate paths. Each chunk is read whole before it is written, so out may be a or b.
 */
final class AddKernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer a;
  private FloatBuffer b;
  private FloatBuffer out;
  private int aOff;
  private int bOff;
  private int outOff;
  private long count;
  private final ParallelRows.Task chunks = this::chunks;

  AddKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  void add(FloatBuffer a, int aOff, FloatBuffer b, int bOff, FloatBuffer out, int outOff,
      long count) {
    this.a = a;
    this.aOff = aOff;
    this.b = b;
    this.bOff = bOff;
    this.out = out;
    this.outOff = outOff;
    this.count = count;
    pool.run((int) ((count + Scratch.CHUNK - 1) / Scratch.CHUNK), Scratch.CHUNK, chunks);
    this.a = this.b = this.out = null;
  }

  private void chunks(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] x = s.a;
    float[] y = s.b;
    for (int chunk = from; chunk < to; chunk++) {
      int start = chunk * Scratch.CHUNK;
      int n = (int) Math.min(Scratch.CHUNK, count - start);
      a.get(aOff + start, x, 0, n);
      b.get(bOff + start, y, 0, n);
      for (int j = 0; j < n; j++) {
        x[j] += y[j];
      }
      out.put(outOff + start, x, 0, n);
    }
  }
}
