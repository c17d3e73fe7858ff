package bert4j.examples;

import bert4j.examples.family.Gpt2SmallImpl;
import bert4j.runtime.Batch;
import bert4j.runtime.cpu.CpuInfo;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.cpu.Precision;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.kernels.Kernels;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * What a model's declarations to its CPU kernels buy: two models created for inference on the same
 * random weights, one on kernels that hear every declaration, one on the same kind of kernels seen
 * through a proxy that drops one kind; runs alternating, in one JVM. Float32 dense weights packed in
 * place ({@code Kernels.linearWeight}) against weights as they lie: BERT-base's forward at 1 × 128,
 * 8 × 128 and 1 × 512, then GPT-2 small's cached decoding steps (a 64-token prompt, then 32 steps)
 * at 1 and 4 rows. bf16 feed-forward activations handed from product to product in bf16
 * ({@code Kernels.linearIntermediate}) against converted by the second product: BERT-base's bf16
 * forward at 8 × 128 and 1 × 512. Prints Markdown.
 *
 * <p>Run: {@code mvn -B -q -f examples/pom.xml exec:java
 * -Dexec.mainClass=bert4j.examples.DeclarationsBenchmark [-Dexec.args=ROUNDS]}
 */
public final class DeclarationsBenchmark {
  private static final int[][] FORWARD_CASES = {{1, 128}, {8, 128}, {1, 512}};
  private static final int[][] BF16_CASES = {{8, 128}, {1, 512}};
  private static final int[] DECODE_ROWS = {1, 4};
  private static final int PROMPT = 64;
  private static final int STEPS = 32;
  private static final int WARM_UP_ROUNDS = 3;
  private static final long SETTLE_MILLIS = 100;

  private DeclarationsBenchmark() {}

  public static void main(String[] args) throws InterruptedException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int threads = Runtime.getRuntime().availableProcessors();
    System.out.printf("# What the declarations to the CPU kernels buy, %s%n%n", LocalDate.now());
    System.out.printf("- CPU: %s, %d cores; %d alternating rounds after %d untimed, each run "
        + "after a %d ms pause; medians%n%n", CpuInfo.read().name(), threads, rounds,
        WARM_UP_ROUNDS, SETTLE_MILLIS);
    System.out.println("| case | declared ms | undeclared ms | declared / undeclared |");
    System.out.println("|---|---:|---:|---:|");
    try (CpuKernels packing = new CpuKernels(threads);
        CpuKernels plain = new CpuKernels(threads)) {
      Kernels asTheyLie = without("linearWeight", plain);
      for (int[] c : FORWARD_CASES) {
        double[] ms = forward(c[0], c[1], packing, asTheyLie, rounds);
        row("float32 weights packed in place: BERT-base forward " + c[0] + " × " + c[1], ms);
      }
      for (int rows : DECODE_ROWS) {
        double[] ms = decode(rows, packing, asTheyLie, rounds);
        row("float32 weights packed in place: GPT-2 small decoding step, " + rows
            + (rows == 1 ? " row" : " rows"), ms);
      }
    }
    try (CpuKernels kernels = new CpuKernels(Precision.BF16)) {
      if (kernels.precision() != Precision.BF16) {
        System.out.println("| bf16 feed-forward intermediates: not measured, this CPU runs "
            + kernels.precision() + " | | | |");
        return;
      }
      Kernels converting = without("linearIntermediate", kernels);
      for (int[] c : BF16_CASES) {
        double[] ms = forward(c[0], c[1], kernels, converting, rounds);
        row("bf16 feed-forward intermediates: BERT-base forward " + c[0] + " × " + c[1], ms);
      }
    }
  }

  private static void row(String name, double[] ms) {
    System.out.printf("| %s | %.2f | %.2f | %.3f |%n", name, ms[0], ms[1], ms[0] / ms[1]);
  }

  /** {@code kernels} behind a proxy that ignores the declarations {@code declaration}. */
  private static Kernels without(String declaration, Kernels kernels) {
    return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
        new Class<?>[] {Kernels.class}, (proxy, method, arguments) -> {
          if (method.getName().equals(declaration)) {
            return null;
          }
          try {
            return method.invoke(kernels, arguments);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** Median forward milliseconds, declared then undeclared. */
  private static double[] forward(int batch, int seq, Kernels declared, Kernels undeclared,
      int rounds) throws InterruptedException {
    try (BertBaseImpl a = BertBaseImpl.createForInference(declared, batch, seq);
        BertBaseImpl b = BertBaseImpl.createForInference(undeclared, batch, seq)) {
      a.initialize(1);
      b.initialize(1);
      SplittableRandom random = new SplittableRandom(7);
      int[][] tokens = new int[batch][seq];
      for (int[] row : tokens) {
        for (int i = 0; i < seq; i++) {
          row[i] = 1 + random.nextInt(a.layout().vocab() - 1);
        }
      }
      Batch input = Batch.of(tokens, new int[batch][seq]);
      return alternate(rounds, () -> millis(() -> a.forward(input)),
          () -> millis(() -> b.forward(input)));
    }
  }

  /** Median milliseconds of a cached decoding step, packed then as they lie. */
  private static double[] decode(int rows, Kernels packing, Kernels asTheyLie, int rounds)
      throws InterruptedException {
    try (Gpt2SmallImpl packed = Gpt2SmallImpl.createForInference(packing, rows, PROMPT + STEPS);
        Gpt2SmallImpl plain = Gpt2SmallImpl.createForInference(asTheyLie, rows, PROMPT + STEPS)) {
      packed.initialize(1);
      plain.initialize(1);
      int[][] prompts = new int[rows][PROMPT];
      for (int[] prompt : prompts) {
        for (int i = 0; i < PROMPT; i++) {
          prompt[i] = 5 + i;
        }
      }
      return alternate(rounds, () -> stepMillis(packed, prompts), () -> stepMillis(plain, prompts));
    }
  }

  /** A prompt, then {@link #STEPS} steps: the steps' mean milliseconds. */
  private static double stepMillis(IncrementalLm model, int[][] prompts) {
    model.start(prompts, new int[prompts.length][PROMPT]);
    int[] next = new int[prompts.length];
    Arrays.fill(next, 7);
    return millis(() -> {
      for (int s = 0; s < STEPS; s++) {
        model.step(next);
      }
    }) / STEPS;
  }

  private static double millis(Runnable run) {
    long start = System.nanoTime();
    run.run();
    return (System.nanoTime() - start) / 1e6;
  }

  /**
   * Medians of the milliseconds {@code a} and {@code b} report, alternating, each after a pause,
   * after the warm-up rounds.
   */
  private static double[] alternate(int rounds, DoubleSupplier a, DoubleSupplier b)
      throws InterruptedException {
    double[] ta = new double[rounds];
    double[] tb = new double[rounds];
    for (int r = -WARM_UP_ROUNDS; r < rounds; r++) {
      Thread.sleep(SETTLE_MILLIS);
      double ma = a.getAsDouble();
      Thread.sleep(SETTLE_MILLIS);
      double mb = b.getAsDouble();
      if (r >= 0) {
        ta[r] = ma;
        tb[r] = mb;
      }
    }
    return new double[] {median(ta), median(tb)};
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
