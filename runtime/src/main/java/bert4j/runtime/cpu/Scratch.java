package bert4j.runtime.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One thread's scratch: fixed chunk arrays for elementwise work, plus row arrays and direct buffers
 * that grow to the largest size asked for and are then reused, so steady-state calls allocate nothing.
 */
final class Scratch {
  /** Floats per elementwise chunk: small enough that a handful of chunk arrays stay in L1. */
  static final int CHUNK = 1024;

  final float[] a = new float[CHUNK];
  final float[] b = new float[CHUNK];
  final float[] c = new float[CHUNK];
  final float[] d = new float[CHUNK];

  private float[] expShifted = new float[CHUNK];
  private final float[][] rows = new float[6][0];
  private final int[][] ints = new int[2][0];
  private long[] words = new long[0];
  private final FloatBuffer[] direct = new FloatBuffer[2];

  /** {@link FloatMath#exp}'s scratch, at least n long. */
  float[] expShifted(int n) {
    if (expShifted.length < n) {
      expShifted = new float[n];
    }
    return expShifted;
  }

  /** Row array {@code index} (0 to 5) with room for at least n floats. */
  float[] row(int index, int n) {
    if (rows[index].length < n) {
      rows[index] = new float[n];
    }
    return rows[index];
  }

  /** Int array {@code index} (0 or 1) with room for at least n ints. */
  int[] ints(int index, int n) {
    if (ints[index].length < n) {
      ints[index] = new int[n];
    }
    return ints[index];
  }

  /** A long array with room for at least n longs ({@link DropoutKernels#factors}' words). */
  long[] words(int n) {
    if (words.length < n) {
      words = new long[n];
    }
    return words;
  }

  /** Direct buffer {@code index} (0 or 1), positioned at 0, with room for at least n floats. */
  FloatBuffer direct(int index, int n) {
    FloatBuffer d = direct[index];
    if (d == null || d.capacity() < n) {
      d = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
      direct[index] = d;
    }
    d.position(0);
    return d;
  }

  /** One scratch per thread of {@code pool}, indexed by the thread number tasks receive. */
  static Scratch[] perThread(ParallelRows pool) {
    Scratch[] s = new Scratch[pool.threads()];
    for (int i = 0; i < s.length; i++) {
      s[i] = new Scratch();
    }
    return s;
  }
}
