package bert4j.examples;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.kernels.Kernels;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times BERT-base ({@link BertBase}, random weights) on the CPU backend: forward at batch 1 and 8 ×
 * seq 128 and an Adam training step at batch 8 × seq 128, next to the machine's sgemm rate measured in
 * the same run on the model's own GEMM shapes. Prints a Markdown table.
 *
 * <p>Run: {@code mvn -B -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.Benchmark}
 */
public final class Benchmark {
  private static final int SEQ = 128;
  private static final int HIDDEN = 768;
  private static final int INTERMEDIATE = 3072;

  private Benchmark() {}

  public static void main(String[] args) {
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    try (Kernels kernels = Backend.cpu();
        BertBaseImpl model = BertBaseImpl.create(kernels, 8, SEQ)) {
      model.seedDropout(1);
      Batch one = batch(1, 1);
      Batch eight = batch(8, 2);
      long tokenFlops = model.flopsPerToken(SEQ);
      System.out.printf("# bert4j benchmark, %s, %s, %d cores, %s%n", LocalDate.now(),
          System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), kernels.name());
      System.out.printf("BERT-base: %,d parameters, %,d forward FLOPs/token at seq %d, arena %,d bytes "
          + "(batch 8 × %d)%n%n", model.parameterCount(), tokenFlops, SEQ, model.arenaBytes(), SEQ);
      double gemm1 = sgemmRate(SEQ, repeats);
      double gemm8 = sgemmRate(8 * SEQ, repeats);
      double forward1 = medianMillis(repeats, () -> model.forward(one));
      double forward8 = medianMillis(repeats, () -> model.forward(eight));
      double train8 = medianMillis(repeats, () -> model.trainStep(eight));
      System.out.println("| run | median ms | achieved GFLOP/s | sgemm GFLOP/s (same shapes) | ratio |");
      System.out.println("|---|---:|---:|---:|---:|");
      row("forward, batch 1 × 128", forward1, tokenFlops * SEQ, gemm1);
      row("forward, batch 8 × 128", forward8, tokenFlops * 8 * SEQ, gemm8);
      row("train step (Adam), batch 8 × 128", train8, 3 * tokenFlops * 8 * SEQ, gemm8);
      System.out.printf("%npeak heap %,d bytes; direct (off-heap) memory %,d bytes; arena %,d bytes%n",
          peakHeap(), directMemory(), model.arenaBytes());
    }
  }

  private static void row(String name, double millis, long flops, double gemmRate) {
    double rate = flops / millis / 1e6;
    System.out.printf("| %s | %.1f | %.1f | %.1f | %.2f |%n", name, millis, rate, gemmRate,
        rate / gemmRate);
  }

  /**
   * GFLOP/s of OpenBLAS sgemm over one encoder layer's GEMM shapes at {@code rows} tokens (q, k, v,
   * output, intermediate, output dense), x·wᵀ as the model computes them.
   */
  private static double sgemmRate(int rows, int repeats) {
    int[][] shapes = {{HIDDEN, HIDDEN}, {HIDDEN, HIDDEN}, {HIDDEN, HIDDEN}, {HIDDEN, HIDDEN},
        {INTERMEDIATE, HIDDEN}, {HIDDEN, INTERMEDIATE}};
    FloatBuffer x = randomBuffer(rows * INTERMEDIATE);
    FloatBuffer w = randomBuffer(INTERMEDIATE * HIDDEN);
    FloatBuffer y = randomBuffer(rows * INTERMEDIATE);
    long flops = 0;
    for (int[] s : shapes) {
      flops += 2L * rows * s[0] * s[1];
    }
    double millis = medianMillis(repeats, () -> {
      for (int[] s : shapes) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, s[0], s[1], 1f, x, s[1], w, s[1],
            0f, y, s[0]);
      }
    });
    return flops / millis / 1e6;
  }

  private static double medianMillis(int repeats, Runnable run) {
    run.run();
    double[] times = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long start = System.nanoTime();
      run.run();
      times[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(times);
    return times[repeats / 2];
  }

  private static Batch batch(int size, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[][] tokens = new int[size][SEQ];
    int[][] segments = new int[size][SEQ];
    int[] labels = new int[size];
    for (int b = 0; b < size; b++) {
      for (int i = 0; i < SEQ; i++) {
        tokens[b][i] = 1 + random.nextInt(21127);
      }
      labels[b] = random.nextInt(2);
    }
    return Batch.withLabels(tokens, segments, labels);
  }

  private static FloatBuffer randomBuffer(int floats) {
    FloatBuffer buffer =
        ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < floats; i++) {
      buffer.put(i, (float) random.nextGaussian());
    }
    return buffer;
  }

  private static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  private static long directMemory() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool.getMemoryUsed();
      }
    }
    return 0;
  }
}
