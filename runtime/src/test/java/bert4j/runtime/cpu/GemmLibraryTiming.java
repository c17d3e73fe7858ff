package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.OneDnn.check;

import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * The linear layers' products at BERT-base's shapes (rows 128 and 1024 × 768 × 2304, × 768 × 768,
 * × 768 × 3072, × 3072 × 768) through each library bert4j could use, alternating within each
 * repetition (each a block of five calls): the bare OpenBLAS sgemm and oneDNN float32 matmul (weights pre-packed), then whole
 * linear layers (product and bias) on {@link CpuKernels} in float32 (oneDNN's matmul on the weights
 * as they lie, where oneDNN loads), bf16 and int8 (oneDNN, activations converted at each call).
 * Prints GFLOP/s medians (2·rows·in·out per product). Not a test: run it by hand,
 * {@code java -cp <test classpath> bert4j.runtime.cpu.GemmLibraryTiming [repetitions]}.
 */
public final class GemmLibraryTiming {
  private static final int[][] SHAPES = {
      {128, 768, 2304}, {128, 768, 768}, {128, 768, 3072}, {128, 3072, 768},
      {1024, 768, 2304}, {1024, 768, 768}, {1024, 768, 3072}, {1024, 3072, 768}};
  /**
   * Products run back to back per timing: alternating single calls let one library's idle threads
   * (OpenMP's, a CpuKernels pool's) slow the next library's short 128-row products.
   */
  private static final int BLOCK = 5;
  private static final String[] COLUMNS = {"OpenBLAS sgemm", "oneDNN f32 matmul, packed weights",
      "linear FLOAT32", "linear BF16", "linear INT8"};

  private GemmLibraryTiming() {}

  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    OneDnn dnnl = OneDnn.get();
    if (dnnl == null) {
      throw new IllegalStateException(OneDnn.failure());
    }
    try (CpuKernels float32 = new CpuKernels(Precision.FLOAT32);
        CpuKernels bf16 = new CpuKernels(Precision.BF16);
        CpuKernels int8 = new CpuKernels(Precision.INT8)) {
      System.out.printf("%s; %d threads; oneDNN %s, ISA 0x%x; OPENBLAS_CORETYPE %s; median of %d; load "
          + "average %.2f%n", CpuInfo.read().name(), Runtime.getRuntime().availableProcessors(),
          OneDnn.VERSION, dnnl.isa(),
          System.getenv().getOrDefault("OPENBLAS_CORETYPE",
              "unset (bert4j sets SKYLAKEX on AMD AVX-512)"),
          reps, load());
      System.out.println("| rows × in × out | " + String.join(" GFLOP/s | ", COLUMNS) + " GFLOP/s |");
      System.out.println("|---|---:|---:|---:|---:|---:|");
      for (int[] shape : SHAPES) {
        run(dnnl, new CpuKernels[] {float32, bf16, int8}, shape[0], shape[1], shape[2], reps);
      }
      System.out.printf("load average after: %.2f%n", load());
    }
  }

  private static void run(OneDnn dnnl, CpuKernels[] kernels, int rows, int in, int out, int reps) {
    Random random = new Random(7);
    float[] x = new float[rows * in];
    float[] w = new float[out * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (random.nextGaussian() * 0.05);
    }
    FloatBuffer xb = direct(x);
    FloatBuffer wb = direct(w);
    FloatBuffer yb = direct(new float[rows * out]);
    F32Matmul matmul = new F32Matmul(dnnl, rows, in, out, wb, xb, yb);
    Slice[][] slices = new Slice[kernels.length][];
    for (int k = 0; k < kernels.length; k++) {
      Memory params = kernels[k].allocate((long) w.length + out);
      Memory arena = kernels[k].allocate((long) x.length + 2L * rows * out);
      kernels[k].write(w, 0, new Slice(params, 0), w.length);
      kernels[k].fill(new Slice(params, w.length), out, 0.1f);
      kernels[k].write(x, 0, new Slice(arena, 0), x.length);
      slices[k] = new Slice[] {new Slice(arena, 0), new Slice(params, 0), new Slice(params, w.length),
          new Slice(arena, x.length), new Slice(arena, x.length + (long) rows * out)};
    }
    Runnable[] columns = new Runnable[COLUMNS.length];
    columns[0] = () -> Blas.gemm(false, true, rows, out, in, 1f, xb.position(0), in,
        wb.position(0), in, 0f, yb.position(0), out);
    columns[1] = matmul::run;
    for (int k = 0; k < kernels.length; k++) {
      CpuKernels kernel = kernels[k];
      Slice[] s = slices[k];
      columns[2 + k] = () -> kernel.linear(s[0], in, s[1], s[2], null, s[3], s[4], rows, in, out);
    }
    double[][] times = new double[COLUMNS.length][reps + 1];
    for (int r = 0; r <= reps; r++) {
      for (int c = 0; c < columns.length; c++) {
        long t = System.nanoTime();
        for (int i = 0; i < BLOCK; i++) {
          columns[c].run();
        }
        times[c][r] = (System.nanoTime() - t) / (double) BLOCK;
      }
    }
    matmul.close();
    StringBuilder line = new StringBuilder("| " + rows + " × " + in + " × " + out + " |");
    for (double[] column : times) {
      double[] measured = Arrays.copyOfRange(column, 1, column.length);
      Arrays.sort(measured);
      line.append(String.format(" %.0f |", 2.0 * rows * in * out / measured[reps / 2]));
    }
    System.out.println(line);
  }

  private static FloatBuffer direct(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return b;
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static long address(FloatBuffer b) {
    return Pointer.nativeValue(Native.getDirectBufferPointer(b));
  }

  /**
   * y = x·wᵀ by oneDNN's float32 matmul, w packed once into the layout oneDNN chose, on OpenMP's team
   * of all cores: it is made and run under that team (oneDNN splits a primitive's work by the team
   * it was made under; bert4j's kernels leave the calling thread's team at 1).
   */
  private static final class F32Matmul implements AutoCloseable {
    private final long stream;
    private final long primitive;
    private final long[] memories;
    private final com.sun.jna.Memory args = new com.sun.jna.Memory(48);

    F32Matmul(OneDnn dnnl, int rows, int in, int out, FloatBuffer w, FloatBuffer x, FloatBuffer y) {
      OpenMpNative.omp_set_num_threads(Runtime.getRuntime().availableProcessors());
      long engine = dnnl.engine();
      long[] h = new long[1];
      check(OneDnnNative.dnnl_stream_create(h, engine, OneDnnNative.STREAM_IN_ORDER), "stream");
      stream = h[0];
      long src = desc(new long[] {rows, in}, new long[] {in, 1});
      long dst = desc(new long[] {rows, out}, new long[] {out, 1});
      long plainWeights = desc(new long[] {in, out}, new long[] {1, in});
      check(OneDnnNative.dnnl_memory_desc_create_with_tag(h, 2, new long[] {in, out},
          OneDnnNative.F32, OneDnnNative.TAG_ANY), "any");
      long any = h[0];
      check(OneDnnNative.dnnl_matmul_primitive_desc_create(h, engine, src, any, 0, dst, 0), "pd");
      long pd = h[0];
      long packedDesc = OneDnnNative.dnnl_primitive_desc_query_md(pd, OneDnnNative.QUERY_WEIGHTS_MD,
          0);
      long plain = memory(engine, plainWeights, address(w));
      long packed = memory(engine, packedDesc, OneDnnNative.ALLOCATE);
      check(OneDnnNative.dnnl_reorder_primitive_desc_create(h, plainWeights, engine, packedDesc,
          engine, 0), "reorder pd");
      long reorderPd = h[0];
      check(OneDnnNative.dnnl_primitive_create(h, reorderPd), "reorder");
      args.setInt(0, OneDnnNative.ARG_SRC);
      args.setLong(8, plain);
      args.setInt(16, OneDnnNative.ARG_DST);
      args.setLong(24, packed);
      check(OneDnnNative.dnnl_primitive_execute(h[0], stream, 2, Pointer.nativeValue(args)), "run");
      check(OneDnnNative.dnnl_stream_wait(stream), "wait");
      OneDnnNative.dnnl_primitive_destroy(h[0]);
      OneDnnNative.dnnl_primitive_desc_destroy(reorderPd);
      check(OneDnnNative.dnnl_primitive_create(h, pd), "matmul");
      primitive = h[0];
      memories = new long[] {memory(engine, src, address(x)), packed, memory(engine, dst, address(y)),
          plain};
      args.setInt(0, OneDnnNative.ARG_SRC);
      args.setLong(8, memories[0]);
      args.setInt(16, OneDnnNative.ARG_WEIGHTS);
      args.setLong(24, packed);
      args.setInt(32, OneDnnNative.ARG_DST);
      args.setLong(40, memories[2]);
      OneDnnNative.dnnl_primitive_desc_destroy(pd);
      for (long d : new long[] {src, dst, plainWeights, any}) {
        OneDnnNative.dnnl_memory_desc_destroy(d);
      }
    }

    void run() {
      OpenMpNative.omp_set_num_threads(Runtime.getRuntime().availableProcessors());
      check(OneDnnNative.dnnl_primitive_execute(primitive, stream, 3, Pointer.nativeValue(args)),
          "matmul");
      check(OneDnnNative.dnnl_stream_wait(stream), "wait");
    }

    @Override
    public void close() {
      OneDnnNative.dnnl_primitive_destroy(primitive);
      for (long m : memories) {
        OneDnnNative.dnnl_memory_destroy(m);
      }
      OneDnnNative.dnnl_stream_destroy(stream);
    }

    private static long desc(long[] dims, long[] strides) {
      long[] d = new long[1];
      check(OneDnnNative.dnnl_memory_desc_create_with_strides(d, 2, dims, OneDnnNative.F32, strides),
          "desc");
      return d[0];
    }

    private static long memory(long engine, long desc, long address) {
      long[] m = new long[1];
      check(OneDnnNative.dnnl_memory_create(m, desc, engine, address), "memory");
      return m[0];
    }
  }
}
