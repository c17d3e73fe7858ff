package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * out = a ⊙ b and out = alpha·x, elementwise in chunks split over the threads (T5 1.1's gate and the
 * scaled decoder output). Each chunk is read whole before it is written, so out may be an input.
 */
final class ElementwiseKernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer a;
  private FloatBuffer b;
  private FloatBuffer out;
  private int aOff;
  private int bOff;
  private int outOff;
  private float alpha;
  private long count;
  private final ParallelRows.Task chunks = this::chunks;

  ElementwiseKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  void multiply(FloatBuffer a, int aOff, FloatBuffer b, int bOff, FloatBuffer out, int outOff,
      long count) {
    run(a, aOff, b, bOff, 1f, out, outOff, count);
  }

  void scale(FloatBuffer x, int xOff, float alpha, FloatBuffer out, int outOff, long count) {
    run(x, xOff, null, 0, alpha, out, outOff, count);
  }

  private void run(FloatBuffer a, int aOff, FloatBuffer b, int bOff, float alpha, FloatBuffer out,
      int outOff, long count) {
    this.a = a;
    this.aOff = aOff;
    this.b = b;
    this.bOff = bOff;
    this.alpha = alpha;
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
      if (b != null) {
        b.get(bOff + start, y, 0, n);
        for (int j = 0; j < n; j++) {
          x[j] *= y[j];
        }
      } else {
        for (int j = 0; j < n; j++) {
          x[j] *= alpha;
        }
      }
      out.put(outOff + start, x, 0, n);
    }
  }
}
