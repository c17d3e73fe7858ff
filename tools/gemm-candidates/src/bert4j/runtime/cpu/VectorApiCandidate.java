package bert4j.runtime.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One attention pair's P·V (128 × 128 by 128 × 64) on one thread, its operands in cache: a JDK 17
 * Vector API kernel (4 rows × 64 columns of accumulators, each row of B multiplied by a broadcast
 * element of A) against bert4j's single-threaded oneDNN matmul ({@link OneDnnSgemm}). Prints GFLOP/s
 * and the largest difference. Needs {@code --add-modules jdk.incubator.vector} to compile and run.
 */
public final class VectorApiCandidate {
  private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_512;
  private static final int ROWS = 128;
  private static final int DEPTH = 128;
  private static final int COLUMNS = 64;
  private static final int SAMPLES = 200;
  private static final int CALLS_PER_SAMPLE = 20;

  private VectorApiCandidate() {}

  public static void main(String[] args) {
    SplittableRandom random = new SplittableRandom(1);
    float[] a = gaussian(random, ROWS * DEPTH);
    float[] b = gaussian(random, DEPTH * COLUMNS);
    float[] c = new float[ROWS * COLUMNS];
    CpuWindow aWindow = window(a);
    CpuWindow bWindow = window(b);
    CpuWindow cWindow = window(c);
    OneDnnSgemm oneDnn = OneDnnSgemm.perThread(OneDnn.get(), 1)[0];
    Runnable vector = () -> multiply(a, b, c);
    Runnable matmul = () -> oneDnn.gemm(false, false, ROWS, COLUMNS, DEPTH, 1f, aWindow, 0, DEPTH,
        bWindow, 0, COLUMNS, false, cWindow, 0, COLUMNS);
    double flops = 2.0 * ROWS * COLUMNS * DEPTH;
    for (int round = 0; round < 3; round++) {
      double[][] nanos = new double[2][SAMPLES];
      for (int s = -100; s < SAMPLES; s++) {
        double v = time(vector);
        double m = time(matmul);
        if (s >= 0) {
          nanos[0][s] = v;
          nanos[1][s] = m;
        }
      }
      float[] fromOneDnn = new float[c.length];
      cWindow.floats().get(0, fromOneDnn, 0, c.length);
      double diff = 0;
      for (int i = 0; i < c.length; i++) {
        diff = Math.max(diff, Math.abs(c[i] - fromOneDnn[i]));
      }
      Arrays.sort(nanos[0]);
      Arrays.sort(nanos[1]);
      System.out.printf("128x128 by 128x64, one thread: Vector API %.0f GFLOP/s, oneDNN %.0f GFLOP/s"
          + " (max diff %.1e)%n", flops / nanos[0][SAMPLES / 2], flops / nanos[1][SAMPLES / 2],
          diff);
    }
  }

  /** Nanoseconds a call of {@code run} takes, over {@link #CALLS_PER_SAMPLE} calls. */
  private static double time(Runnable run) {
    long start = System.nanoTime();
    for (int k = 0; k < CALLS_PER_SAMPLE; k++) {
      run.run();
    }
    return (System.nanoTime() - start) / (double) CALLS_PER_SAMPLE;
  }

  /**
   * c = a·b, a {@code [ROWS, DEPTH]}, b {@code [DEPTH, COLUMNS]}, c {@code [ROWS, COLUMNS]}: per
   * block of 4 rows × 64 columns, sixteen accumulators in named locals (in arrays C2 would keep the
   * vectors as objects: 4 GFLOP/s).
   */
  static void multiply(float[] a, float[] b, float[] c) {
    int w = LANES.length();
    for (int i = 0; i < ROWS; i += 4) {
      for (int j = 0; j < COLUMNS; j += 4 * w) {
        FloatVector c00 = FloatVector.zero(LANES);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c13 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c22 = c00;
        FloatVector c23 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c32 = c00;
        FloatVector c33 = c00;
        for (int p = 0; p < DEPTH; p++) {
          int row = p * COLUMNS + j;
          FloatVector b0 = FloatVector.fromArray(LANES, b, row);
          FloatVector b1 = FloatVector.fromArray(LANES, b, row + w);
          FloatVector b2 = FloatVector.fromArray(LANES, b, row + 2 * w);
          FloatVector b3 = FloatVector.fromArray(LANES, b, row + 3 * w);
          FloatVector a0 = FloatVector.broadcast(LANES, a[i * DEPTH + p]);
          c00 = b0.fma(a0, c00);
          c01 = b1.fma(a0, c01);
          c02 = b2.fma(a0, c02);
          c03 = b3.fma(a0, c03);
          FloatVector a1 = FloatVector.broadcast(LANES, a[(i + 1) * DEPTH + p]);
          c10 = b0.fma(a1, c10);
          c11 = b1.fma(a1, c11);
          c12 = b2.fma(a1, c12);
          c13 = b3.fma(a1, c13);
          FloatVector a2 = FloatVector.broadcast(LANES, a[(i + 2) * DEPTH + p]);
          c20 = b0.fma(a2, c20);
          c21 = b1.fma(a2, c21);
          c22 = b2.fma(a2, c22);
          c23 = b3.fma(a2, c23);
          FloatVector a3 = FloatVector.broadcast(LANES, a[(i + 3) * DEPTH + p]);
          c30 = b0.fma(a3, c30);
          c31 = b1.fma(a3, c31);
          c32 = b2.fma(a3, c32);
          c33 = b3.fma(a3, c33);
        }
        store(c, i, j, c00, c01, c02, c03);
        store(c, i + 1, j, c10, c11, c12, c13);
        store(c, i + 2, j, c20, c21, c22, c23);
        store(c, i + 3, j, c30, c31, c32, c33);
      }
    }
  }

  /** Row {@code i} of c from column {@code j}: four vectors side by side. */
  private static void store(float[] c, int i, int j, FloatVector v0, FloatVector v1,
      FloatVector v2, FloatVector v3) {
    int at = i * COLUMNS + j;
    int w = LANES.length();
    v0.intoArray(c, at);
    v1.intoArray(c, at + w);
    v2.intoArray(c, at + 2 * w);
    v3.intoArray(c, at + 3 * w);
  }

  private static float[] gaussian(SplittableRandom random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      double u = Math.max(random.nextDouble(), 1e-12);
      v[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
    }
    return v;
  }

  private static CpuWindow window(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return new CpuWindow(b, values.length, 1);
  }
}
