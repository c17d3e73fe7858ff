package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * Inverted dropout with a stateless, counter-based mask, so the backward (and any backend) redraws it
 * from the seed: element i (counted from the start of the tensor) is kept iff
 * {@code u = (mix64(seed ^ i·0x9E3779B97F4A7C15) >>> 40)·2⁻²⁴ ≥ p}, where mix64 is the SplitMix64
 * finaliser; kept elements are scaled by 1/(1 − p). The same mask serves forward and backward.
 */
final class DropoutKernels {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  /** Elements whose mask {@link #factors} draws together: one scratch chunk. */
  static final int BLOCK = Scratch.CHUNK;
  /** j·golden for j in [0, BLOCK): the index steps of a block's words. */
  private static final long[] GOLDEN_STEPS = new long[BLOCK];

  static {
    for (int j = 0; j < BLOCK; j++) {
      GOLDEN_STEPS[j] = j * GOLDEN;
    }
  }

  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer in;
  private FloatBuffer out;
  private int inOff;
  private int outOff;
  private long count;
  private float p;
  private long seed;
  private final ParallelRows.Task chunks = this::chunks;

  DropoutKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  /**
   * factor[j] = the mask times 1/(1 − p) for elements first .. first + n − 1: 1/(1 − p) where kept,
   * 0 where dropped. The test u ≥ p is made on the integer u·2²⁴ = mix64(…) >>> 40 against
   * ⌈p·2²⁴⌉ (exact: u is a 24-bit integer times 2⁻²⁴, and p·2²⁴ is exact in double), branch-free.
   * The finaliser's last step, z ^= z >>> 31, is left out: it changes only bits 0–32, and the test
   * reads bits 40–63.
   * In blocks of {@link #BLOCK} elements, three passes over {@code words} (at least
   * min(n, BLOCK) longs of scratch): the words seed ^ i·golden (i·golden as (block's first)·golden
   * plus the table {@link #GOLDEN_STEPS}), their mix and test, then the factors; each an in-place
   * loop that C2 vectorizes where the CPU multiplies 64-bit lanes (AVX-512DQ): 0.64–0.71 against 1.6
   * ns per element for the same arithmetic in one loop, which it leaves scalar, and 0.50–0.59
   * against 0.67–0.76 with the table instead of a pass writing the indices (JDK 17 does not
   * vectorize that pass's int-to-long conversion; one thread, AMD EPYC Zen 5, 2026-12-01; the same
   * masks). Without 64-bit lanes (the JVM held to AVX2) the passes stay scalar and cost about a
   * tenth more than the one loop (1.79 against 1.63 ns).
   */
  static void factors(long seed, long first, float p, float[] factor, int n, long[] words) {
    float scale = 1f / (1f - p);
    long threshold = (long) Math.ceil((double) p * 0x1p24);
    for (int from = 0; from < n; from += BLOCK) {
      int len = Math.min(BLOCK, n - from);
      long base = (first + from) * GOLDEN;
      for (int j = 0; j < len; j++) {
        words[j] = seed ^ (base + GOLDEN_STEPS[j]);
      }
      for (int j = 0; j < len; j++) {
        long z = words[j];
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        words[j] = ~(((z >>> 40) - threshold) >> 63) & 1L;
      }
      for (int j = 0; j < len; j++) {
        factor[from + j] = scale * (int) words[j];
      }
    }
  }

  /** out = in ⊙ mask/(1 − p) over {@code count} floats; with p == 0 a copy (nothing when out is in). */
  void apply(FloatBuffer in, int inOff, FloatBuffer out, int outOff, long count, float p, long seed) {
    if (p == 0f && in == out && inOff == outOff) {
      return;
    }
    this.in = in;
    this.inOff = inOff;
    this.out = out;
    this.outOff = outOff;
    this.count = count;
    this.p = p;
    this.seed = seed;
    int n = (int) ((count + Scratch.CHUNK - 1) / Scratch.CHUNK);
    pool.run(n, Scratch.CHUNK * (p == 0f ? 1L : 8L), chunks);
    this.in = this.out = null;
  }

  private void chunks(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] x = s.a;
    float[] f = s.b;
    for (int chunk = from; chunk < to; chunk++) {
      long start = (long) chunk * Scratch.CHUNK;
      int n = (int) Math.min(Scratch.CHUNK, count - start);
      in.get(inOff + (int) start, x, 0, n);
      if (p > 0f) {
        factors(seed, start, p, f, n, s.words(n));
        for (int j = 0; j < n; j++) {
          x[j] *= f[j];
        }
      }
      out.put(outOff + (int) start, x, 0, n);
    }
  }
}
