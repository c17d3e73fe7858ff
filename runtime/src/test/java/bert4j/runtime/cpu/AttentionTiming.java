package bert4j.runtime.cpu;

import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

/**
 * The fused attention forward at BERT-base's shapes (12 heads of 64; batch 8 × seq 128 and
 * 1 × 512, the last 10% of each sequence padding), the kernel as it is ({@link CpuKernels#attention})
 * against {@link AttentionForwardBefore}, alternating within each repetition on two pools of the
 * same thread count, and the largest difference between their probabilities. Prints milliseconds
 * per call (medians). Not a test: run it by hand, {@code java -cp <test classpath>
 * bert4j.runtime.cpu.AttentionTiming [repetitions]}.
 */
public final class AttentionTiming {
  private static final int HEADS = 12;
  private static final int SIZE = 64;
  private static final int[][] SHAPES = {{8, 128}, {1, 512}};

  private AttentionTiming() {}

  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 101;
    try (CpuKernels kernels = new CpuKernels(Precision.FLOAT32);
        ParallelRows pool = new ParallelRows(Runtime.getRuntime().availableProcessors())) {
      AttentionForwardBefore before = new AttentionForwardBefore(pool);
      System.out.printf("%s; %d threads; median of %d; load average %.2f%n", CpuInfo.read().name(),
          pool.threads(), reps, load());
      System.out.println("| batch × seq | before ms | now ms | speed-up | max prob difference |");
      System.out.println("|---|---:|---:|---:|---:|");
      for (int[] shape : SHAPES) {
        run(kernels, before, shape[0], shape[1], reps);
      }
      System.out.printf("load average after: %.2f%n", load());
    }
  }

  private static void run(CpuKernels kernels, AttentionForwardBefore before, int batch, int seq,
      int reps) {
    Random random = new Random(11);
    int width = HEADS * SIZE;
    int rows = batch * seq;
    Slice q = random(kernels, rows * width, random);
    Slice k = random(kernels, rows * width, random);
    Slice v = random(kernels, rows * width, random);
    Slice ctx = random(kernels, rows * width, random);
    Slice ctxBefore = random(kernels, rows * width, random);
    int probsSize = batch * HEADS * seq * seq;
    Slice probs = random(kernels, probsSize, random);
    Slice probsBefore = random(kernels, probsSize, random);
    int[] ids = new int[rows];
    for (int i = 0; i < rows; i++) {
      ids[i] = i % seq < seq - seq / 10 ? 1 + random.nextInt(1000) : 0;
    }
    float scale = (float) (1 / Math.sqrt(SIZE));
    AttentionShape shape = new AttentionShape(batch, seq, HEADS, SIZE, SIZE, scale);
    double[] now = new double[reps + 1];
    double[] then = new double[reps + 1];
    for (int r = 0; r <= reps; r++) {
      long t = System.nanoTime();
      before.forward(batch, seq, HEADS, SIZE, scale, ids, window(q), window(k), window(v),
          window(probsBefore), window(ctxBefore));
      then[r] = System.nanoTime() - t;
      t = System.nanoTime();
      kernels.attention(shape, Mask.NONE, ids, null, q, k, v, probs, ctx, 0f, 1);
      now[r] = System.nanoTime() - t;
    }
    float[] a = new float[probsSize];
    float[] b = new float[probsSize];
    kernels.read(probs, a, 0, probsSize);
    kernels.read(probsBefore, b, 0, probsSize);
    double diff = 0;
    for (int i = 0; i < probsSize; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
    }
    double beforeMs = median(then) / 1e6;
    double nowMs = median(now) / 1e6;
    System.out.printf("| %d × %d | %.2f | %.2f | %.2f× | %.1e |%n", batch, seq, beforeMs, nowMs,
        beforeMs / nowMs, diff);
  }

  private static Slice random(CpuKernels kernels, int floats, Random random) {
    Memory m = kernels.allocate(floats);
    float[] values = new float[floats];
    for (int i = 0; i < floats; i++) {
      values[i] = (float) random.nextGaussian();
    }
    Slice s = new Slice(m, 0);
    kernels.write(values, 0, s, floats);
    return s;
  }

  private static CpuWindow window(Slice s) {
    return ((CpuMemory) s.memory()).window(0);
  }

  /** The median of all but the first (warm-up) value. */
  private static double median(double[] times) {
    double[] measured = Arrays.copyOfRange(times, 1, times.length);
    Arrays.sort(measured);
    return measured[measured.length / 2];
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
