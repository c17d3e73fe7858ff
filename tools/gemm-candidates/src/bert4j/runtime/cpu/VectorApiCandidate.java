package bert4j.runtime.cpu;
import java.nio.*;
import java.util.*;
import jdk.incubator.vector.*;
/**
 * One attention pair's P·V (128 × 128 by 128 × 64) on one thread, its operands in cache: a JDK 17
 * Vector API kernel (4 rows × 64 columns of accumulators, the rows of B broadcast-multiplied) against
 * bert4j's single-threaded oneDNN matmul ({@link OneDnnSgemm}). Prints GFLOP/s and the largest
 * difference. Needs {@code --add-modules jdk.incubator.vector} to compile and run.
 */
public class VectorApiCandidate {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  /** C = A·B, A {@code [m, k]}, B {@code [k, n]}, C {@code [m, n]}; m a multiple of 4, n of 64. */
  static void gemm(float[] a, int lda, float[] b, int ldb, float[] c, int ldc, int m, int n, int k) {
    for (int i = 0; i < m; i += 4) {
      for (int j = 0; j < n; j += 64) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                    c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < k; p++) {
          int bo = p * ldb + j;
          FloatVector b0 = FloatVector.fromArray(S, b, bo), b1 = FloatVector.fromArray(S, b, bo + 16), b2 = FloatVector.fromArray(S, b, bo + 32), b3 = FloatVector.fromArray(S, b, bo + 48);
          FloatVector a0 = FloatVector.broadcast(S, a[i * lda + p]);
          c00 = b0.fma(a0, c00); c01 = b1.fma(a0, c01); c02 = b2.fma(a0, c02); c03 = b3.fma(a0, c03);
          FloatVector a1 = FloatVector.broadcast(S, a[(i + 1) * lda + p]);
          c10 = b0.fma(a1, c10); c11 = b1.fma(a1, c11); c12 = b2.fma(a1, c12); c13 = b3.fma(a1, c13);
          FloatVector a2 = FloatVector.broadcast(S, a[(i + 2) * lda + p]);
          c20 = b0.fma(a2, c20); c21 = b1.fma(a2, c21); c22 = b2.fma(a2, c22); c23 = b3.fma(a2, c23);
          FloatVector a3 = FloatVector.broadcast(S, a[(i + 3) * lda + p]);
          c30 = b0.fma(a3, c30); c31 = b1.fma(a3, c31); c32 = b2.fma(a3, c32); c33 = b3.fma(a3, c33);
        }
        int o = i * ldc + j;
        c00.intoArray(c, o); c01.intoArray(c, o + 16); c02.intoArray(c, o + 32); c03.intoArray(c, o + 48); o += ldc;
        c10.intoArray(c, o); c11.intoArray(c, o + 16); c12.intoArray(c, o + 32); c13.intoArray(c, o + 48); o += ldc;
        c20.intoArray(c, o); c21.intoArray(c, o + 16); c22.intoArray(c, o + 32); c23.intoArray(c, o + 48); o += ldc;
        c30.intoArray(c, o); c31.intoArray(c, o + 16); c32.intoArray(c, o + 32); c33.intoArray(c, o + 48);
      }
    }
  }
  static CpuWindow win(float[] v) {
    FloatBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    b.put(v).flip(); return new CpuWindow(b, v.length, 1);
  }
  public static void main(String[] x) {
    int m = 128, k = 128, n = 64;
    Random r = new Random(1);
    float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
    for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
    for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
    CpuWindow A = win(a), B = win(b), C = win(c);
    OneDnnSgemm dnn = OneDnnSgemm.perThread(OneDnn.get(), 1)[0];
    float[] c2 = new float[m * n];
    for (int round = 0; round < 3; round++) {
      double[][] t = new double[2][200];
      for (int i = -2000; i < 200; i++) {
        long t0 = System.nanoTime(); for (int q = 0; q < 20; q++) gemm(a, k, b, n, c, n, m, n, k); long d0 = System.nanoTime() - t0;
        t0 = System.nanoTime(); for (int q = 0; q < 20; q++) dnn.gemm(false, false, m, n, k, 1f, A, 0, k, B, 0, n, false, C, 0, n); long d1 = System.nanoTime() - t0;
        if (i >= 0) { t[0][i] = d0 / 20.0; t[1][i] = d1 / 20.0; }
      }
      C.floats().get(0, c2, 0, c2.length);
      double diff = 0; for (int i = 0; i < c.length; i++) diff = Math.max(diff, Math.abs(c[i] - c2[i]));
      Arrays.sort(t[0]); Arrays.sort(t[1]);
      double fl = 2.0 * m * n * k;
      System.out.printf("128x128 by 128x64, one thread: Vector API %.0f GFLOP/s, oneDNN %.0f GFLOP/s (max diff %.1e)%n", fl / t[0][100], fl / t[1][100], diff);
    }
    System.exit(0);
  }
}
