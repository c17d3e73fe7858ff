package bert4j.examples;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import bert4j.examples.family.AlbertBaseImpl;
import bert4j.examples.family.Gpt2SmallImpl;
import bert4j.examples.family.RoformerBaseImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times BERT-base ({@link BertBase}, random weights) on the CPU backend, after {@link #WARMUP}
 * untimed rounds per row: forward at batch 1 and 8 × seq 128 and an Adam training step at batch
 * 8 × seq 128, also with recompute
 * ({@link BertBaseRecompute}, the same weights), next to the machine's sgemm rate on the model's own
 * GEMM shapes, measured alternately with the model in the same run (so both see the same machine
 * load); then the two arenas and the recompute step's time against the plain step's, and a per-kernel
 * breakdown of one forward and one training step; then the forward of ALBERT-base, RoFormer-base and
 * GPT-2 small against the same sgemm rate. Prints Markdown.
 *
 * <p>Run: {@code mvn -B -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.Benchmark}
 */
public final class Benchmark {
  private static final int SEQ = 128;
  private static final int HIDDEN = 768;
  private static final int INTERMEDIATE = 3072;
  /**
   * Untimed rounds of each row first: the JIT compiles bert4j's Java kernels over their first calls
   * (with one untimed round, the five timed forwards at 1 × 128 read 151, 124, 115, 88 and 85 ms,
   * and the training steps were still settling, 2,236 down to 2,094 ms).
   */
  private static final int WARMUP = 3;

  private Benchmark() {}

  public static void main(String[] args) {
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    try (ProfilingKernels kernels = new ProfilingKernels(Backend.cpu());
        BertBaseImpl model = BertBaseImpl.create(kernels, 8, SEQ);
        ProfilingKernels recomputeKernels = new ProfilingKernels(Backend.cpu());
        BertBaseRecomputeImpl recompute = BertBaseRecomputeImpl.create(recomputeKernels, 8, SEQ)) {
      model.seedDropout(1);
      recompute.seedDropout(1);
      Batch one = batch(1, 1);
      Batch eight = batch(8, 2);
      long tokenFlops = model.flopsPerToken(SEQ);
      System.out.printf("# bert4j benchmark, %s, %s, %d cores, %s%n", LocalDate.now(),
          System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), kernels.name());
      System.out.printf("BERT-base: %,d parameters, %,d forward FLOPs/token at seq %d, arena %,d bytes "
          + "(batch 8 × %d)%n%n", model.parameterCount(), tokenFlops, SEQ, model.arenaBytes(), SEQ);
      System.out.println("| run | median ms | achieved GFLOP/s | sgemm GFLOP/s (same shapes, "
          + "alternated) | ratio |");
      System.out.println("|---|---:|---:|---:|---:|");
      row("forward, batch 1 × 128", tokenFlops * SEQ, repeats, () -> model.forward(one),
          new LayerGemms(SEQ, false));
      row("forward, batch 8 × 128", tokenFlops * 8 * SEQ, repeats, () -> model.forward(eight),
          new LayerGemms(8 * SEQ, false));
      double plainStep = row("train step (Adam), batch 8 × 128", 3 * tokenFlops * 8 * SEQ, repeats,
          () -> model.trainStep(eight), new LayerGemms(8 * SEQ, true));
      // the FLOPs counted are the plain step's: the replayed forward is extra work, not extra rate
      double recomputeStep = row("train step (Adam), batch 8 × 128, recompute",
          3 * tokenFlops * 8 * SEQ, repeats, () -> recompute.trainStep(eight),
          new LayerGemms(8 * SEQ, true));
      System.out.printf("%nrecompute: arena %,d bytes, without %,d bytes (%.2f×); train step %.2f× the"
          + " time of the plain step%n", recompute.arenaBytes(), model.arenaBytes(),
          (double) recompute.arenaBytes() / model.arenaBytes(), recomputeStep / plainStep);
      System.out.printf("%npeak heap %,d bytes; direct (off-heap) memory %,d bytes (both models);"
          + " arena %,d bytes (recompute %,d bytes)%n", peakHeap(), directMemory(), model.arenaBytes(),
          recompute.arenaBytes());
      breakdown("forward, batch 8 × 128", kernels, () -> model.forward(eight));
      breakdown("train step, batch 8 × 128", kernels, () -> model.trainStep(eight));
    }
    family(repeats, batch(8, 2));
  }

  /** Forward at batch 8 × 128 of the family's base models, each with its heads, one at a time. */
  private static void family(int repeats, Batch eight) {
    System.out.printf("%n## the model family: forward, batch 8 × %d (heads included)%n%n", SEQ);
    System.out.println("| model | median ms | achieved GFLOP/s | sgemm GFLOP/s (same shapes, "
        + "alternated) | ratio |");
    System.out.println("|---|---:|---:|---:|---:|");
    familyRow("ALBERT-base (+ MLM head)", repeats, eight, AlbertBaseImpl::create);
    familyRow("RoFormer-base (+ MLM head)", repeats, eight, RoformerBaseImpl::create);
    familyRow("GPT-2 small (+ tied LM head)", repeats, eight, Gpt2SmallImpl::create);
  }

  /** The generated {@code create(Kernels, maxBatch, maxLength)} of a family model. */
  private interface Factory {
    GeneratedTransformer create(Kernels kernels, int maxBatch, int maxLength);
  }

  private static void familyRow(String name, int repeats, Batch eight, Factory factory) {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer model = factory.create(kernels, 8, SEQ)) {
      row(name, model.flopsPerToken(SEQ) * 8 * SEQ, repeats, () -> model.forward(eight),
          new LayerGemms(8 * SEQ, false));
    }
  }

  /**
   * Times {@code run} and the sgemm comparison alternately, prints their medians and ratio, and returns
   * the median of {@code run} in milliseconds.
   */
  private static double row(String name, long flops, int repeats, Runnable run, LayerGemms gemms) {
    for (int i = 0; i < WARMUP; i++) {
      run.run();
      gemms.run();
    }
    double[] runTimes = new double[repeats];
    double[] gemmTimes = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      settle();
      runTimes[i] = millis(run);
      settle();
      gemmTimes[i] = millis(gemms);
    }
    double millis = median(runTimes);
    double rate = flops / millis / 1e6;
    double gemmRate = gemms.flops() / median(gemmTimes) / 1e6;
    System.out.printf("| %s | %.1f | %.1f | %.1f | %.2f |%n", name, millis, rate, gemmRate,
        rate / gemmRate);
    return millis;
  }

  /** One pass of {@code run} with every kernel timed: where the time goes. */
  private static void breakdown(String name, ProfilingKernels kernels, Runnable run) {
    run.run();
    kernels.reset();
    double total = millis(run);
    System.out.printf("%nwhere the time of one %s goes (%.1f ms):%n%n| kernel | ms | share |%n"
        + "|---|---:|---:|%n", name, total);
    double kernelTotal = 0;
    for (Map.Entry<ProfilingKernels.Kernel, Double> e : kernels.millis().entrySet()) {
      kernelTotal += e.getValue();
      System.out.printf("| %s | %.1f | %.1f%% |%n", e.getKey().name().toLowerCase(), e.getValue(),
          100 * e.getValue() / total);
    }
    System.out.printf("| outside kernels (staging, checks, reads) | %.1f | %.1f%% |%n",
        total - kernelTotal, 100 * (total - kernelTotal) / total);
  }

  /**
   * OpenBLAS sgemm over the encoder's {@link #LAYERS} layers' GEMMs at {@code rows} tokens as the
   * model computes them: x·wᵀ for q, k and v (one product, 2,304 wide), the attention output,
   * intermediate and output dense; with {@code training}, also their backward dx = dy·w and
   * dw = dyᵀ·x (written, not added: the model's dense layers write their weight gradients, which
   * nothing else touches, instead of adding to zeros). All twelve layers, not one: a sample then
   * lasts about as long as the model's run it alternates with (a training step's 1.9 s against one
   * layer's 0.15 s), so a slow phase of the shared machine weighs on both sides alike — with one
   * layer's worth, the same code's training step read 0.82, 0.84 and 1.02 of "the sgemm rate" in
   * three runs.
   */
  private static final class LayerGemms implements Runnable {
    private static final int LAYERS = 12;
    private static final int[][] SHAPES = {{3 * HIDDEN, HIDDEN}, {HIDDEN, HIDDEN},
        {INTERMEDIATE, HIDDEN}, {HIDDEN, INTERMEDIATE}};
    private final int rows;
    private final boolean training;
    private final FloatBuffer x;
    private final FloatBuffer w;
    private final FloatBuffer y;

    LayerGemms(int rows, boolean training) {
      this.rows = rows;
      this.training = training;
      this.x = randomBuffer(rows * INTERMEDIATE);
      this.w = randomBuffer(INTERMEDIATE * HIDDEN);
      this.y = randomBuffer(rows * INTERMEDIATE);
    }

    long flops() {
      long flops = 0;
      for (int[] s : SHAPES) {
        flops += 2L * rows * s[0] * s[1];
      }
      return LAYERS * (training ? 3 * flops : flops);
    }

    @Override
    public void run() {
      for (int layer = 0; layer < LAYERS; layer++) {
        layer();
      }
    }

    private void layer() {
      for (int[] s : SHAPES) {
        int out = s[0];
        int in = s[1];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, out, in, 1f, x, in, w, in, 0f, y,
            out);
        if (training) {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, in, out, 1f, y, out, w, in, 0f,
              x, in);
          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, rows, 1f, y, out, x, in, 0f,
              w, in);
        }
      }
    }
  }

  /**
   * A 2 ms pause before each timed side: bert4j's idle workers spin 0.2 ms after a job before they
   * park, and the sgemm comparison at 1 × 128 (then one layer's products, about 1.5 ms) measured
   * 152 instead of 257 GFLOP/s when it started against them.
   */
  private static void settle() {
    try {
      Thread.sleep(2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted between timed runs", e);
    }
  }

  private static double millis(Runnable run) {
    long start = System.nanoTime();
    run.run();
    return (System.nanoTime() - start) / 1e6;
  }

  private static double median(double[] times) {
    double[] sorted = times.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
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
