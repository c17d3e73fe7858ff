package bert4j.runtime.cpu;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * Row-major sgemm through the OpenBLAS that ND4J bundles (JavaCPP's presets), and control of its
 * thread count. JavaCPP passes a {@link FloatBuffer} from its position, so operands are positioned
 * views of a {@link CpuWindow} (or per-thread scratch buffers) and a call allocates nothing.
 */
final class Blas {
  private static final openblas_nolapack.SetNumThreads SET_THREADS = setThreads();

  private Blas() {}

  /**
   * Loads OpenBLAS (its kernels chosen first: {@link OpenBlasCore}; its idle threads told not to spin:
   * {@link OpenBlasThreads}). The thread count is global to
   * the process. The preset's own {@code blas_set_num_threads} looks
   * the symbols up and allocates on every call, so keep one function pointer instead.
   */
  private static openblas_nolapack.SetNumThreads setThreads() {
    OpenBlasCore.apply();
    OpenBlasThreads.apply();
    Loader.load(openblas.class);
    openblas_nolapack.SetNumThreads f = new openblas_nolapack.SetNumThreads() {};
    f.put(Loader.addressof("openblas_set_num_threads"));
    return f;
  }

  /** Sets the threads OpenBLAS uses for one call (all cores for big gemms, 1 inside our workers). */
  static void threads(int n) {
    SET_THREADS.call(n);
  }

  /**
   * Runs {@code task} over rows on the pool's threads, each calling OpenBLAS single-threaded on its
   * own small gemms (side by side they beat OpenBLAS's threads inside each), then gives OpenBLAS
   * every thread back.
   */
  static void inWorkers(ParallelRows pool, int rows, long costPerRow, ParallelRows.Task task) {
    boolean split = pool.threads() > 1;
    if (split) {
      threads(1);
    }
    try {
      pool.run(rows, costPerRow, task);
    } finally {
      if (split) {
        threads(pool.threads());
      }
    }
  }

  /** y = A·x, row-major A {@code [m, n]} with row stride {@code lda}; each buffer at its position. */
  static void gemv(int m, int n, FloatBuffer a, int lda, FloatBuffer x, FloatBuffer y) {
    if (m == 0) {
      return;
    }
    openblas.cblas_sgemv(CblasRowMajor, CblasNoTrans, m, n, 1f, a, lda, x, 1, 0f, y, 1);
  }

  /**
   * y[j] += Σ_r a[r, j] for j in [0, n), r in [0, m): y += aᵀ·ones by one sgemv, which streams a's
   * rows in order; a row-major with row stride {@code lda}, {@code ones} at least m ones (see
   * {@link #ones}); each buffer at its position.
   */
  static void addColumnSums(int m, int n, FloatBuffer a, int lda, FloatBuffer ones, FloatBuffer y) {
    openblas.cblas_sgemv(CblasRowMajor, CblasTrans, m, n, 1f, a, lda, ones, 1, 1f, y, 1);
  }

  /** Σ |x[i]| over {@code n} floats from x's position, by sasum. */
  static float sumOfMagnitudes(int n, FloatBuffer x) {
    return openblas.cblas_sasum(n, x, 1);
  }

  /** A direct buffer of {@code n} ones, for {@link #addColumnSums}. */
  static FloatBuffer ones(int n) {
    FloatBuffer ones = ByteBuffer.allocateDirect(Float.BYTES * n).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    for (int i = 0; i < n; i++) {
      ones.put(i, 1f);
    }
    return ones;
  }

  /**
   * C = alpha·op(A)·op(B) + beta·C, row-major, with op(A) {@code [m, k]}, op(B) {@code [k, n]}, C
   * {@code [m, n]}; each buffer starts at its position.
   */
  static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatBuffer a,
      int lda, FloatBuffer b, int ldb, float beta, FloatBuffer c, int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    openblas.cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
        transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}
