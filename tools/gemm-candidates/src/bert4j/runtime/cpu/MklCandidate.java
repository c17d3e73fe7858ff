package bert4j.runtime.cpu;
import bert4j.runtime.kernels.*;
import java.nio.*;
import java.util.*;
import org.bytedeco.mkl.global.mkl_rt;
/**
 * Intel MKL (JavaCPP's build) against bert4j's products on BERT-base's dense shapes, two threads,
 * the libraries alternating (five calls a sample, median of 20): bert4j's float32 and bf16
 * {@code CpuKernels.linear} (oneDNN, one column block per thread), MKL's sgemm on its own two threads
 * and in one column block per bert4j thread, and MKL's {@code cblas_gemm_bf16bf16f32} on its own two
 * threads (its bf16 operands converted once, outside the timing). Prints GFLOP/s per shape.
 */
public class MklCandidate {
  static FloatBuffer fb(int n) { return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer(); }
  static FloatBuffer at(FloatBuffer b, int off) { b.position(off); FloatBuffer s = b.slice(); b.position(0); return s; }
  public static void main(String[] a) throws Exception {
    System.out.println("MKL: up to " + mkl_rt.MKL_Get_Max_Threads() + " threads");
    int[][] shapes = {{1024, 768, 2304}, {1024, 768, 768}, {1024, 768, 3072}, {1024, 3072, 768}, {128, 768, 2304}, {128, 768, 768}, {128, 768, 3072}, {128, 3072, 768}};
    int T = 2;
    ParallelRows pool = new ParallelRows(T);
    try (CpuKernels f32 = new CpuKernels(2, CpuMemory.DEFAULT_STRIDE, Precision.FLOAT32, null);
         CpuKernels bf = new CpuKernels(2, CpuMemory.DEFAULT_STRIDE, Precision.BF16, null)) {
      for (int[] sh : shapes) {
        int rows = sh[0], in = sh[1], out = sh[2];
        Random r = new Random(1);
        float[] xs = new float[rows * in]; for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
        float[] ws = new float[out * in]; for (int i = 0; i < ws.length; i++) ws[i] = (float) r.nextGaussian() * 0.03f;
        CpuKernels[] ks = {f32, bf};
        Slice[][] sl = new Slice[2][];
        for (int k = 0; k < 2; k++) {
          Slice X = new Slice(ks[k].allocate(xs.length), 0), W = new Slice(ks[k].allocate(ws.length), 0), B = new Slice(ks[k].allocate(out), 0), Y = new Slice(ks[k].allocate((long) rows * out), 0);
          ks[k].write(xs, 0, X, xs.length); ks[k].write(ws, 0, W, ws.length);
          sl[k] = new Slice[] {X, W, B, Y};
        }
        FloatBuffer X = fb(rows * in), W = fb(out * in), Y = fb(rows * out);
        X.put(xs).flip(); W.put(ws).flip();
        ShortBuffer Xb = ByteBuffer.allocateDirect(rows * in * 2).order(ByteOrder.nativeOrder()).asShortBuffer();
        ShortBuffer Wb = ByteBuffer.allocateDirect(out * in * 2).order(ByteOrder.nativeOrder()).asShortBuffer();
        for (int i = 0; i < xs.length; i++) Xb.put(i, (short) (Float.floatToRawIntBits(xs[i]) >>> 16));
        for (int i = 0; i < ws.length; i++) Wb.put(i, (short) (Float.floatToRawIntBits(ws[i]) >>> 16));
        int cols = (out + T - 1) / T;
        FloatBuffer[] wBlk = new FloatBuffer[T], yBlk = new FloatBuffer[T];
        for (int t = 0; t < T; t++) { wBlk[t] = at(W, t * cols * in); yBlk[t] = at(Y, t * cols); }
        ParallelRows.Task blocks = (th, f, to) -> { mkl_rt.MKL_Set_Num_Threads_Local(1); for (int b = f; b < to; b++) {
          int n = Math.min(cols, out - b * cols);
          mkl_rt.cblas_sgemm(mkl_rt.CblasRowMajor, mkl_rt.CblasNoTrans, mkl_rt.CblasTrans, rows, n, in, 1f, X, in, wBlk[b], in, 0f, yBlk[b], out); } };
        Runnable[] libs = {
          () -> f32.linear(sl[0][0], in, sl[0][1], sl[0][2], null, sl[0][3], sl[0][3], rows, in, out),
          () -> { mkl_rt.MKL_Set_Num_Threads_Local(0); mkl_rt.MKL_Set_Num_Threads(T); mkl_rt.cblas_sgemm(mkl_rt.CblasRowMajor, mkl_rt.CblasNoTrans, mkl_rt.CblasTrans, rows, out, in, 1f, X, in, W, in, 0f, Y, out); },
          () -> pool.run(T, 1L << 30, blocks),
          () -> bf.linear(sl[1][0], in, sl[1][1], sl[1][2], null, sl[1][3], sl[1][3], rows, in, out),
          () -> { mkl_rt.MKL_Set_Num_Threads_Local(0); mkl_rt.MKL_Set_Num_Threads(T); mkl_rt.cblas_gemm_bf16bf16f32(mkl_rt.CblasRowMajor, mkl_rt.CblasNoTrans, mkl_rt.CblasTrans, rows, out, in, 1f, Xb, in, Wb, in, 0f, Y, out); },
        };
        String[] names = {"oneDNN f32 (ours)", "MKL sgemm 2thr", "MKL sgemm blocks", "oneDNN bf16 (ours)", "MKL bf16 2thr"};
        int n = 20; double[][] t = new double[libs.length][n];
        for (int i = -3; i < n; i++) for (int l = 0; l < libs.length; l++) {
          long t0 = System.nanoTime(); for (int k = 0; k < 5; k++) libs[l].run(); long d = System.nanoTime() - t0;
          if (i >= 0) t[l][i] = d / 5.0;
        }
        StringBuilder sb = new StringBuilder(String.format("%4d x %4d x %4d:", rows, in, out));
        for (int l = 0; l < libs.length; l++) { double[] c = t[l].clone(); Arrays.sort(c); sb.append(String.format("  %s %.0f", names[l], 2.0 * rows * in * out / c[n / 2])); }
        System.out.println(sb);
      }
    }
    System.exit(0);
  }
}
