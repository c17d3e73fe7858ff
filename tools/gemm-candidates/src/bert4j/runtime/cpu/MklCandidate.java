package bert4j.runtime.cpu;

import bert4j.runtime.kernels.Slice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.mkl.global.mkl_rt;

/**
 * Intel MKL (JavaCPP's build) against bert4j's products on BERT-base's dense shapes, two threads,
 * the candidates alternating (five calls a sample, median of 20 samples): bert4j's float32 and bf16
 * {@code CpuKernels.linear} (oneDNN, one column block per thread), MKL's sgemm on its own two threads
 * and in one column block per bert4j thread, and MKL's {@code cblas_gemm_bf16bf16f32} on its own two
 * threads (its bf16 operands converted once, outside the timing). Prints GFLOP/s per shape.
 */
public final class MklCandidate {
  private static final int THREADS = 2;
  private static final int SAMPLES = 20;
  private static final int CALLS_PER_SAMPLE = 5;
  /** rows × in × out: q·k·v, attention output, intermediate and output dense, at 8 × 128 and 1 × 128. */
  private static final int[][] SHAPES = {{1024, 768, 2304}, {1024, 768, 768}, {1024, 768, 3072},
      {1024, 3072, 768}, {128, 768, 2304}, {128, 768, 768}, {128, 768, 3072}, {128, 3072, 768}};
  private static final String[] NAMES = {"bert4j float32 (oneDNN)", "MKL sgemm, its 2 threads",
      "MKL sgemm, a column block per bert4j thread", "bert4j bf16 (oneDNN)",
      "MKL bf16, its 2 threads"};

  private MklCandidate() {}

  public static void main(String[] args) {
    System.out.println("MKL: up to " + mkl_rt.MKL_Get_Max_Threads() + " threads");
    try (ParallelRows pool = new ParallelRows(THREADS);
        CpuKernels float32 = new CpuKernels(THREADS, CpuMemory.DEFAULT_STRIDE, Precision.FLOAT32,
            null);
        CpuKernels bf16 = new CpuKernels(THREADS, CpuMemory.DEFAULT_STRIDE, Precision.BF16,
            null)) {
      for (int[] shape : SHAPES) {
        Runnable[] candidates = candidates(pool, float32, bf16, shape[0], shape[1], shape[2]);
        double[] rates = rates(candidates, 2.0 * shape[0] * shape[1] * shape[2]);
        StringBuilder line = new StringBuilder(
            String.format("%4d x %4d x %4d:", shape[0], shape[1], shape[2]));
        for (int c = 0; c < candidates.length; c++) {
          line.append(String.format("  %s %.0f", NAMES[c], rates[c]));
        }
        System.out.println(line);
      }
    }
  }

  /** The candidates of {@link #NAMES} for y = x·wᵀ, x {@code [rows, in]}, w {@code [out, in]}. */
  private static Runnable[] candidates(ParallelRows pool, CpuKernels float32, CpuKernels bf16,
      int rows, int in, int out) {
    SplittableRandom random = new SplittableRandom(1);
    float[] x = gaussian(random, rows * in, 1);
    float[] w = gaussian(random, out * in, 0.03);
    Slice[] ours32 = operands(float32, x, w, rows, out);
    Slice[] ours16 = operands(bf16, x, w, rows, out);
    FloatBuffer xf = floats(x);
    FloatBuffer wf = floats(w);
    FloatBuffer y = floats(new float[rows * out]);
    ShortBuffer xb = bf16(x);
    ShortBuffer wb = bf16(w);
    int columns = (out + THREADS - 1) / THREADS;
    FloatBuffer[] wBlocks = new FloatBuffer[THREADS];
    FloatBuffer[] yBlocks = new FloatBuffer[THREADS];
    for (int t = 0; t < THREADS; t++) {
      wBlocks[t] = from(wf, t * columns * in);
      yBlocks[t] = from(y, t * columns);
    }
    ParallelRows.Task blocks = (thread, from, to) -> {
      mkl_rt.MKL_Set_Num_Threads_Local(1);
      for (int b = from; b < to; b++) {
        mkl_rt.cblas_sgemm(mkl_rt.CblasRowMajor, mkl_rt.CblasNoTrans, mkl_rt.CblasTrans, rows,
            Math.min(columns, out - b * columns), in, 1f, xf, in, wBlocks[b], in, 0f, yBlocks[b],
            out);
      }
    };
    return new Runnable[] {
        () -> float32.linear(ours32[0], in, ours32[1], ours32[2], null, ours32[3], ours32[3], rows,
            in, out),
        () -> {
          mklThreads(THREADS);
          mkl_rt.cblas_sgemm(mkl_rt.CblasRowMajor, mkl_rt.CblasNoTrans, mkl_rt.CblasTrans, rows,
              out, in, 1f, xf, in, wf, in, 0f, y, out);
        },
        () -> pool.run(THREADS, 1L << 30, blocks),
        () -> bf16.linear(ours16[0], in, ours16[1], ours16[2], null, ours16[3], ours16[3], rows,
            in, out),
        () -> {
          mklThreads(THREADS);
          mkl_rt.cblas_gemm_bf16bf16f32(mkl_rt.CblasRowMajor, mkl_rt.CblasNoTrans,
              mkl_rt.CblasTrans, rows, out, in, 1f, xb, in, wb, in, 0f, y, out);
        }};
  }

  /** MKL on its own {@code threads} for the calling thread (its local setting cleared). */
  private static void mklThreads(int threads) {
    mkl_rt.MKL_Set_Num_Threads_Local(0);
    mkl_rt.MKL_Set_Num_Threads(threads);
  }

  /** Each candidate's median GFLOP/s over {@link #SAMPLES} alternating samples (3 untimed first). */
  private static double[] rates(Runnable[] candidates, double flops) {
    double[][] nanos = new double[candidates.length][SAMPLES];
    for (int s = -3; s < SAMPLES; s++) {
      for (int c = 0; c < candidates.length; c++) {
        long start = System.nanoTime();
        for (int k = 0; k < CALLS_PER_SAMPLE; k++) {
          candidates[c].run();
        }
        if (s >= 0) {
          nanos[c][s] = (System.nanoTime() - start) / (double) CALLS_PER_SAMPLE;
        }
      }
    }
    double[] rates = new double[candidates.length];
    for (int c = 0; c < candidates.length; c++) {
      Arrays.sort(nanos[c]);
      rates[c] = flops / nanos[c][SAMPLES / 2];
    }
    return rates;
  }

  /** x, w, a bias of zeros and y in {@code kernels}' memory. */
  private static Slice[] operands(CpuKernels kernels, float[] x, float[] w, int rows, int out) {
    Slice xs = new Slice(kernels.allocate(x.length), 0);
    Slice ws = new Slice(kernels.allocate(w.length), 0);
    Slice bias = new Slice(kernels.allocate(out), 0);
    Slice y = new Slice(kernels.allocate((long) rows * out), 0);
    kernels.write(x, 0, xs, x.length);
    kernels.write(w, 0, ws, w.length);
    return new Slice[] {xs, ws, bias, y};
  }

  private static float[] gaussian(SplittableRandom random, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      double u = Math.max(random.nextDouble(), 1e-12);
      v[i] = (float) (scale * Math.sqrt(-2 * Math.log(u))
          * Math.cos(2 * Math.PI * random.nextDouble()));
    }
    return v;
  }

  private static FloatBuffer floats(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return b;
  }

  /** {@code values} as bf16 (the float's upper half: truncated, as a probe may). */
  private static ShortBuffer bf16(float[] values) {
    ShortBuffer b = ByteBuffer.allocateDirect(2 * values.length).order(ByteOrder.nativeOrder())
        .asShortBuffer();
    for (int i = 0; i < values.length; i++) {
      b.put(i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
    }
    return b;
  }

  /** A view of {@code buffer} from {@code offset} on (its own address, for MKL). */
  private static FloatBuffer from(FloatBuffer buffer, int offset) {
    return buffer.duplicate().position(offset).slice();
  }
}
