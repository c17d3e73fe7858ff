package bert4j.examples;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * BERT-base ({@link BertBase}, random weights) training at batches whose activation arena is larger
 * than one Java buffer (2 GiB): an Adam step at batch 32 × 128 and at batch 8 × 512, each model
 * created, stepped once to warm up, timed over {@code REPEATS} steps and closed before the next.
 * Prints a Markdown row per case (arena bytes, median ms, tokens/s, achieved GFLOP/s counting a step
 * as three forwards, the loss of the first and last step on the one batch) and the process's peak
 * resident memory ({@code VmHWM}).
 *
 * <p>Run from the repository root (the parameters, gradients and Adam state are direct buffers, about
 * 1.8 GB; the arena is native memory outside that limit):
 * <pre>
 * java -XX:MaxDirectMemorySize=3g -cp "examples/target/classes:$(cat CLASSPATH)" \
 *     bert4j.examples.LargeBatchBenchmark [REPEATS]
 * </pre>
 */
public final class LargeBatchBenchmark {
  private static final int[][] CASES = {{32, 128}, {8, 512}};

  private LargeBatchBenchmark() {}

  public static void main(String[] args) throws IOException {
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    System.out.printf("# bert4j BERT-base training at large batches, %s, %d cores%n%n",
        LocalDate.now(), Runtime.getRuntime().availableProcessors());
    System.out.println("| train step (Adam) | arena bytes | median ms | tokens/s | achieved GFLOP/s "
        + "| loss, first → last step |");
    System.out.println("|---|---:|---:|---:|---:|---|");
    try (Kernels kernels = Backend.cpu()) {
      for (int[] c : CASES) {
        int batch = c[0];
        int seq = c[1];
        try (BertBaseImpl model = BertBaseImpl.create(kernels, batch, seq)) {
          model.seedDropout(1);
          Batch input = batch(batch, seq);
          float first = model.trainStep(input);
          double[] millis = new double[repeats];
          float last = first;
          for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            last = model.trainStep(input);
            millis[r] = (System.nanoTime() - start) / 1e6;
          }
          Arrays.sort(millis);
          double median = millis[repeats / 2];
          long tokens = (long) batch * seq;
          double gflops = 3.0 * model.flopsPerToken(seq) * tokens / median / 1e6;
          System.out.printf("| batch %d × %d | %,d | %.0f | %.0f | %.1f | %.4f → %.4f |%n", batch,
              seq, model.arenaBytes(), median, tokens / median * 1000, gflops, first, last);
        }
      }
    }
    System.out.printf("%npeak resident memory (VmHWM): %s%n", peakResident());
  }

  /** Random token ids of full length, segment 0 then 1 over each half, random class labels. */
  private static Batch batch(int size, int seq) {
    SplittableRandom random = new SplittableRandom(size * 1000L + seq);
    int[][] tokens = new int[size][seq];
    int[][] segments = new int[size][seq];
    int[] labels = new int[size];
    for (int b = 0; b < size; b++) {
      for (int i = 0; i < seq; i++) {
        tokens[b][i] = 1 + random.nextInt(BertBaseImpl.LAYOUT.vocab() - 1);
        segments[b][i] = i < seq / 2 ? 0 : 1;
      }
      labels[b] = random.nextInt(2);
    }
    return Batch.withLabels(tokens, segments, labels);
  }

  private static String peakResident() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return line.substring("VmHWM:".length()).trim();
      }
    }
    return "unknown";
  }
}
