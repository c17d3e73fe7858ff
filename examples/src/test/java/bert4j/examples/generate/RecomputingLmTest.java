package bert4j.examples.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Mask;
import bert4j.examples.checkpoint.TinyClassifierImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.generate.RecomputingLm;
import bert4j.runtime.kernels.Kernels;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RecomputingLm} on real generated models (a UniLM and a GPT-2): each step's logits against a
 * forward of that sequence alone, through padding, steps and reordering; and beam search through it
 * against trying every output with such forwards.
 */
class RecomputingLmTest {
  private static final int END = 7;
  private static Kernels kernels;

  @BeforeAll
  static void backend() {
    kernels = Backend.cpu();
  }

  @AfterAll
  static void close() {
    kernels.close();
  }

  /** Weights large enough that outputs differ clearly in probability. */
  private static void randomize(TransformerModel model, long seed) {
    Random random = new Random(seed);
    for (ParameterInfo p : model.parameters()) {
      float[] values = new float[Math.toIntExact(p.size())];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (0.5 * random.nextGaussian());
      }
      model.setParameter(p.name(), new FloatTensor(p.shape(), values));
    }
  }

  /** The logits after {@code tokens} (segments as given) from a forward of that sequence alone. */
  private static float[] alone(TransformerModel model, int[] tokens, int[] segments) {
    FloatTensor logits = model.forward(Batch.of(new int[][] {tokens}, new int[][] {segments}))
        .mlmLogits();
    int vocab = logits.shape()[2];
    return Arrays.copyOfRange(logits.data(), (tokens.length - 1) * vocab, tokens.length * vocab);
  }

  private static int[] append(int[] a, int x) {
    int[] out = Arrays.copyOf(a, a.length + 1);
    out[a.length] = x;
    return out;
  }

  private static void assertRows(TransformerModel model, FloatTensor got, int[][] tokens,
      int[][] segments) {
    assertEquals(tokens.length, got.shape()[0]);
    int vocab = got.shape()[1];
    for (int b = 0; b < tokens.length; b++) {
      float[] expected = alone(model, tokens[b], segments[b]);
      for (int v = 0; v < vocab; v++) {
        assertEquals(expected[v], got.data()[b * vocab + v], 1e-5, "row " + b + " token " + v);
      }
    }
  }

  @Test
  void stepLogitsEqualAForwardOfEachSequenceAloneThroughPaddingAndReordering() {
    try (TinyUnilmLmImpl unilm = TinyUnilmLmImpl.create(kernels, 4, 12);
        TinyCausalLmImpl gpt = TinyCausalLmImpl.create(kernels, 4, 12)) {
      for (TransformerModel model : new TransformerModel[] {unilm, gpt}) {
        randomize(model, 3);
        boolean uni = model == unilm;
        RecomputingLm lm = new RecomputingLm(model, uni ? Mask.UNILM : Mask.LM, 4, 12);
        assertEquals(8, lm.vocab());
        assertEquals(uni ? 1 : 0, lm.generationSegment());
        int[][] tokens = {{2, 5, 1}, {4}, {3, 3, 6, 2, 1}};
        int[][] segments = uni ? new int[][] {{0, 0, 0}, {0}, {0, 0, 0, 1, 1}}
            : new int[][] {{0, 0, 0}, {0}, {0, 0, 0, 0, 0}};
        assertRows(model, lm.start(tokens, segments), tokens, segments);
        int g = lm.generationSegment();
        int[][] steps = {{6, 1, 2}, {2, 5, 5}};
        for (int[] step : steps) {
          FloatTensor got = lm.step(step);
          for (int b = 0; b < 3; b++) {
            tokens[b] = append(tokens[b], step[b]);
            segments[b] = append(segments[b], g);
          }
          assertRows(model, got, tokens, segments);
        }
        int[] parents = {2, 0, 2, 1};
        lm.reorder(parents);
        int[][] newTokens = new int[4][];
        int[][] newSegments = new int[4][];
        int[] step = {1, 2, 3, 4};
        for (int b = 0; b < 4; b++) {
          newTokens[b] = append(tokens[parents[b]], step[b]);
          newSegments[b] = append(segments[parents[b]], g);
        }
        assertRows(model, lm.step(step), newTokens, newSegments);
      }
    }
  }

  /** The most probable output of all, by forwards of each prefix alone. */
  private record Best(int[] tokens, double score, double runnerUp) {}

  private static Best exhaustive(TransformerModel model, int[] prompt, int maxTokens) {
    double[] top = {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
    int[][] best = new int[1][];
    search(model, prompt, new int[0], 0, maxTokens, top, best);
    return new Best(best[0], top[0], top[1]);
  }

  private static void search(TransformerModel model, int[] prompt, int[] generated, double score,
      int maxTokens, double[] top, int[][] best) {
    int[] tokens = Arrays.copyOf(prompt, prompt.length + generated.length);
    System.arraycopy(generated, 0, tokens, prompt.length, generated.length);
    int[] segments = new int[tokens.length];
    Arrays.fill(segments, prompt.length, tokens.length, 1);
    float[] logits = alone(model, tokens, segments);
    double sum = 0;
    for (int v = 1; v < logits.length; v++) {
      sum += Math.exp(logits[v]);
    }
    for (int v = 1; v < logits.length; v++) {
      double s = score + logits[v] - Math.log(sum);
      int[] next = v == END ? generated : append(generated, v);
      if (v == END || next.length == maxTokens) {
        if (s > top[0]) {
          top[1] = top[0];
          top[0] = s;
          best[0] = next;
        } else if (s > top[1]) {
          top[1] = s;
        }
      } else {
        search(model, prompt, next, s, maxTokens, top, best);
      }
    }
  }

  @Test
  void beamSearchThroughItEqualsExhaustiveSearchOnARealModel() {
    int width = 6 * 6 * 7;
    try (TinyUnilmLmImpl model = TinyUnilmLmImpl.create(kernels, 2 * width, 12)) {
      randomize(model, 11);
      RecomputingLm lm = new RecomputingLm(model, Mask.UNILM, 2 * width, 12);
      int[][] prompts = {{2, 5, 1, 3}, {4}, {6, 6}, {1, 2, 3, 4, 5}};
      int[][] found = new AutoRegressiveDecoder(lm, DecodeLimits.of(END, 3))
          .beamSearch(prompts, null, BeamSearch.of(width));
      for (int p = 0; p < prompts.length; p++) {
        Best best = exhaustive(model, prompts[p], 3);
        assertTrue(best.score() - best.runnerUp() > 1e-4, "prompt " + p + ": the best output should "
            + "be clear of the next, " + best.score() + " vs " + best.runnerUp());
        assertArrayEquals(best.tokens(), found[p], "prompt " + p);
      }
    }
  }

  @Test
  void badUseIsAClearError() {
    try (TinyUnilmLmImpl model = TinyUnilmLmImpl.create(kernels, 2, 6);
        TinyClassifierImpl classifier = TinyClassifierImpl.create(kernels, 2, 6)) {
      assertMessage("cannot generate: give the spec @Attention(mask = LM or UNILM)",
          () -> new RecomputingLm(model, Mask.NONE, 2, 6));
      assertMessage("has no mlm_logits output: give the spec @Heads(mlm = true)",
          () -> new RecomputingLm(classifier, Mask.UNILM, 2, 6));
      RecomputingLm lm = new RecomputingLm(model, Mask.UNILM, 2, 6);
      assertMessage("start needs 1 to maxBatch=2 prompts, got 3",
          () -> lm.start(new int[][] {{1}, {1}, {1}}, null));
      assertMessage("prompt 0 position 1: token 0 is outside [1, 8) (0 is padding)",
          () -> lm.start(new int[][] {{1, 0}}, null));
      assertMessage("prompt 0 has 7 tokens; a prompt needs 1 to maxLength=6",
          () -> lm.start(new int[][] {{1, 1, 1, 1, 1, 1, 1}}, null));
      lm.start(new int[][] {{1, 2, 3, 4, 5}, {1}}, null);
      assertMessage("step takes one token per sequence: 2 sequences, got 1 tokens",
          () -> lm.step(new int[] {1}));
      assertMessage("step token of sequence 1: token 8 is outside [1, 8)",
          () -> lm.step(new int[] {1, 8}));
      lm.step(new int[] {1, 1});
      assertMessage("sequence 0 already holds maxLength=6 tokens", () -> lm.step(new int[] {1, 1}));
      assertMessage("parent 2 of sequence 0 is outside the 2 current sequences",
          () -> lm.reorder(new int[] {2}));
    }
  }

  private static void assertMessage(String expected, Runnable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" should contain \""
        + expected + "\"");
  }
}
