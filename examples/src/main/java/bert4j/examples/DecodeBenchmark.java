package bert4j.examples;

import bert4j.examples.family.Gpt2SmallImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times generation on the CPU backend: a 64-token prompt, then 64 tokens chosen greedily, by the
 * generated model's key/value-cached decoding ({@link IncrementalLm}: one prefill, then one step per
 * token) against recomputing the whole sequence with the full {@code forward} at every token (all
 * positions' logits, as bert4keras's decoder does), same run, same random weights, for a BERT-base
 * UniLM ({@link UnilmBase}; the prompt in segment 0, generated tokens in segment 1) and GPT-2 small.
 * Batch 1 checks that both choose the same tokens. Then
 * batch 8 × beam 4 (32 rows, a beam-like reorder before every step) over the first {@code beamSteps}
 * tokens (argument 1, default 8; recomputing is slow). Prints Markdown.
 *
 * <p>Run: {@code mvn -B -q -f examples/pom.xml exec:java
 * -Dexec.mainClass=bert4j.examples.DecodeBenchmark}
 */
public final class DecodeBenchmark {
  private static final int PROMPT = 64;
  private static final int GENERATED = 64;
  private static final int INPUTS = 8;
  private static final int BEAMS = 4;

  private DecodeBenchmark() {}

  /** One run's timings, in tokens per second (generated tokens of all rows over wall time). */
  private record Rates(double cached, double recomputed) {}

  public static void main(String[] args) {
    int beamSteps = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    System.out.println("| model | batch | tokens | KV cache (tokens/s) | recompute (tokens/s) | "
        + "speed-up |");
    System.out.println("|---|---|---|---|---|---|");
    try (Kernels kernels = Backend.cpu()) {
      measure("BERT-base UniLM", UnilmBaseImpl::create, 1, kernels, beamSteps);
      measure("GPT-2 small", Gpt2SmallImpl::create, 0, kernels, beamSteps);
    }
  }

  /** A generated model's factory. */
  private interface Factory {
    GeneratedTransformer create(Kernels kernels, int maxBatch, int maxLength);
  }

  /**
   * Batch 1 on a model for one sequence of 128 tokens; 8 × 4 beams on a model for 32 sequences of
   * the prompt and the beam steps, where the backend can hold its arena (sized for training too).
   */
  private static void measure(String name, Factory factory, int generation, Kernels kernels,
      int beamSteps) {
    try (GeneratedTransformer model = factory.create(kernels, 1, PROMPT + GENERATED)) {
      model.initialize(1);
      print(name, "1", GENERATED, greedy(model, (IncrementalLm) model, generation));
    }
    try (GeneratedTransformer model = factory.create(kernels, INPUTS * BEAMS,
        PROMPT + beamSteps)) {
      model.initialize(1);
      print(name, INPUTS + " × " + BEAMS, beamSteps,
          beams(model, (IncrementalLm) model, beamSteps, generation));
    } catch (IllegalArgumentException e) {
      System.out.printf("| %s | %d × %d | %d | not measured: %s | | |%n", name, INPUTS, BEAMS,
          beamSteps, e.getMessage());
    }
  }

  private static void print(String name, String batch, int tokens, Rates r) {
    System.out.printf("| %s | %s | %d | %.1f | %.2f | %.1f× |%n", name, batch, tokens, r.cached(),
        r.recomputed(), r.cached() / r.recomputed());
  }

  /** Batch 1, greedy: both ways, checking they choose the same tokens. */
  private static Rates greedy(GeneratedTransformer model, IncrementalLm lm, int generation) {
    int[] prompt = new SplittableRandom(7).ints(PROMPT, 1, lm.vocab()).toArray();
    long t0 = System.nanoTime();
    int[] cached = new int[GENERATED];
    FloatTensor logits = lm.start(new int[][] {prompt}, null);
    for (int i = 0; i < GENERATED; i++) {
      cached[i] = argmax(logits, 0);
      if (i + 1 < GENERATED) {
        logits = lm.step(new int[] {cached[i]});
      }
    }
    long t1 = System.nanoTime();
    int[] sequence = Arrays.copyOf(prompt, PROMPT + GENERATED);
    int[] recomputed = new int[GENERATED];
    for (int i = 0; i < GENERATED; i++) {
      int length = PROMPT + i;
      FloatTensor all = model.forward(Batch.of(new int[][] {Arrays.copyOf(sequence, length)},
          new int[][] {segments(length, generation)})).mlmLogits();
      recomputed[i] = argmaxAt(all, length - 1);
      sequence[length] = recomputed[i];
    }
    long t2 = System.nanoTime();
    if (!Arrays.equals(cached, recomputed)) {
      throw new IllegalStateException("the cached and the recomputed greedy tokens differ: "
          + Arrays.toString(cached) + " / " + Arrays.toString(recomputed));
    }
    return new Rates(GENERATED / seconds(t0, t1), GENERATED / seconds(t1, t2));
  }

  /**
   * 8 inputs × 4 beams: both ways take the same steps, each step choosing every row's token by argmax
   * after moving beams (row r continues row r xor 1 of its input on odd steps).
   */
  private static Rates beams(GeneratedTransformer model, IncrementalLm lm, int steps,
      int generation) {
    int rows = INPUTS * BEAMS;
    SplittableRandom random = new SplittableRandom(9);
    int[][] prompts = new int[INPUTS][];
    for (int b = 0; b < INPUTS; b++) {
      prompts[b] = random.ints(PROMPT, 1, lm.vocab()).toArray();
    }
    int[] expand = new int[rows];
    int[] swap = new int[rows];
    for (int r = 0; r < rows; r++) {
      expand[r] = r / BEAMS;
      swap[r] = r ^ 1;
    }
    long t0 = System.nanoTime();
    FloatTensor logits = lm.start(prompts, null);
    lm.reorder(expand);
    int[] tokens = new int[rows];
    for (int s = 0; s < steps; s++) {
      for (int r = 0; r < rows; r++) {
        tokens[r] = argmax(logits, s == 0 ? r / BEAMS : r);
      }
      if (s + 1 < steps) {
        if (s % 2 == 1) {
          lm.reorder(swap);
        }
        logits = lm.step(s % 2 == 1 ? permute(tokens, swap) : tokens);
      }
    }
    long t1 = System.nanoTime();
    int[][] sequences = new int[rows][];
    for (int r = 0; r < rows; r++) {
      sequences[r] = prompts[r / BEAMS];
    }
    for (int s = 0; s < steps; s++) {
      int length = sequences[0].length;
      int[][] segments = new int[rows][];
      Arrays.fill(segments, segments(length, generation));
      FloatTensor all = model.forward(Batch.of(sequences, segments)).mlmLogits();
      int[][] next = new int[rows][];
      for (int r = 0; r < rows; r++) {
        int parent = s % 2 == 1 ? swap[r] : r;
        next[r] = Arrays.copyOf(sequences[parent], length + 1);
        next[r][length] = argmaxAt(all, parent, length - 1);
      }
      sequences = next;
    }
    long t2 = System.nanoTime();
    return new Rates(rows * steps / seconds(t0, t1), rows * steps / seconds(t1, t2));
  }

  private static int[] permute(int[] tokens, int[] parents) {
    int[] out = new int[tokens.length];
    for (int r = 0; r < tokens.length; r++) {
      out[r] = tokens[parents[r]];
    }
    return out;
  }

  /**
   * The prompt in segment 0, the generated tokens in the generation segment (1 under UniLM, as the
   * cached decoding puts them; 0 for GPT-2, which reads no segments).
   */
  private static int[] segments(int length, int generation) {
    int[] segments = new int[length];
    Arrays.fill(segments, PROMPT, length, generation);
    return segments;
  }

  private static int argmax(FloatTensor logits, int row) {
    int vocab = logits.shape()[1];
    int best = 0;
    for (int v = 1; v < vocab; v++) {
      if (logits.get(row, v) > logits.get(row, best)) {
        best = v;
      }
    }
    return best;
  }

  private static int argmaxAt(FloatTensor logits, int position) {
    return argmaxAt(logits, 0, position);
  }

  private static int argmaxAt(FloatTensor logits, int row, int position) {
    int vocab = logits.shape()[2];
    int best = 0;
    for (int v = 1; v < vocab; v++) {
      if (logits.get(row, position, v) > logits.get(row, position, best)) {
        best = v;
      }
    }
    return best;
  }

  private static double seconds(long from, long to) {
    return (to - from) / 1e9;
  }
}
