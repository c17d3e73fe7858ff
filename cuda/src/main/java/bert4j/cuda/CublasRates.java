package bert4j.cuda;

import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasSetMathMode;
import static jcuda.jcublas.JCublas2.cublasSgemm;

import jcuda.Pointer;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;

/**
 * cuBLAS's rate on {@link GemmRates}' shapes (sgemm, and sgemm on the TF32 tensor cores), for
 * comparison with bert4j's own kernels. JCublas 12 needs libcublas.so.12 from a CUDA 12 toolkit;
 * where it does not load, {@link #measure} throws a {@link LinkageError} naming what is missing.
 */
final class CublasRates {
  private CublasRates() {}

  /** TFLOP/s per shape at {@code rows} rows, row-major y = x·wᵀ as the model computes it. */
  static double[] measure(JCudaDevice device, int rows, int repeats, boolean tf32) {
    cublasHandle handle = new cublasHandle();
    check(cublasCreate(handle), "cublasCreate");
    long x = device.allocate(4L * rows * 3072);
    long w = device.allocate(4L * 3072 * 768);
    long y = device.allocate(4L * rows * 3072);
    try {
      check(cublasSetMathMode(handle, tf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH
          : cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
      Pointer one = Pointer.to(new float[] {1f});
      Pointer zero = Pointer.to(new float[] {0f});
      double[] rates = new double[GemmRates.SHAPES.length];
      for (int s = 0; s < rates.length; s++) {
        int in = GemmRates.SHAPES[s][0];
        int out = GemmRates.SHAPES[s][1];
        // Column-major: yᵀ [out, rows] = (w as [in, out])ᵀ · (x as [in, rows]).
        rates[s] = GemmRates.rate(rows, in, out, repeats, () -> {
          device.synchronize();
          return System.nanoTime();
        }, () -> check(cublasSgemm(handle, cublasOperation.CUBLAS_OP_T,
            cublasOperation.CUBLAS_OP_N, out, rows, in, one, device.pointer(w), in,
            device.pointer(x), in, zero, device.pointer(y), out), "cublasSgemm"));
      }
      return rates;
    } finally {
      device.free(x);
      device.free(w);
      device.free(y);
      cublasDestroy(handle);
    }
  }

  private static void check(int status, String call) {
    if (status != 0) {
      throw new IllegalStateException("cuBLAS status " + status + " in " + call);
    }
  }
}
