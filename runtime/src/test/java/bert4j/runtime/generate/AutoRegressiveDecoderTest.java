package bert4j.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The decoder against independent references on {@link PrefixHashLm}, whose logits depend on the whole
 * prefix: beam search against trying every output, greedy against beam width 1 and an argmax walk,
 * sampling's reproducibility and its top-k / top-p sets, the stopping rules and the argument checks.
 */
class AutoRegressiveDecoderTest {
  private static final int VOCAB = 6;
  private static final int END = 5;
  private static final int[][] PROMPTS = {{1, 2, 3}, {4}, {2, 2}, {3, 1, 4, 1}};

  /** The best output of all and its score, by trying every output the limits allow. */
  private record Scored(int[] tokens, double score) {}

  private static Scored exhaustive(PrefixHashLm lm, int[] prompt, DecodeLimits limits,
      boolean normalized) {
    List<Scored> all = new ArrayList<>();
    enumerate(lm, prompt, limits, new int[0], 0, all);
    Scored best = null;
    for (Scored s : all) {
      int length = s.tokens().length + (s.tokens().length < limits.maxTokens() ? 1 : 0);
      double rank = normalized ? s.score() / length : s.score();
      if (best == null || rank > best.score()) {
        best = new Scored(s.tokens(), rank);
      }
    }
    return best;
  }

  /** Every output: ended by the end token (left out), or of maxTokens tokens. */
  private static void enumerate(PrefixHashLm lm, int[] prompt, DecodeLimits limits, int[] generated,
      double score, List<Scored> out) {
    double[] logP = referenceLogSoftmax(lm.logitsAfter(prompt, generated),
        generated.length >= limits.minTokens(), 1);
    for (int v = 1; v < VOCAB; v++) {
      if (logP[v] == Double.NEGATIVE_INFINITY) {
        continue;
      }
      if (v == END) {
        out.add(new Scored(generated, score + logP[v]));
        continue;
      }
      int[] next = Arrays.copyOf(generated, generated.length + 1);
      next[generated.length] = v;
      if (next.length == limits.maxTokens()) {
        out.add(new Scored(next, score + logP[v]));
      } else {
        enumerate(lm, prompt, limits, next, score + logP[v], out);
      }
    }
  }

  /** log softmax(logits / temperature) over tokens 1.. (the end token only when allowed). */
  private static double[] referenceLogSoftmax(float[] logits, boolean endAllowed, double temperature) {
    double[] out = new double[logits.length];
    double sum = 0;
    for (int v = 1; v < logits.length; v++) {
      if (v != END || endAllowed) {
        sum += Math.exp(logits[v] / temperature);
      }
    }
    for (int v = 0; v < logits.length; v++) {
      out[v] = v == 0 || v == END && !endAllowed ? Double.NEGATIVE_INFINITY
          : logits[v] / temperature - Math.log(sum);
    }
    return out;
  }

  @Test
  void beamSearchWideEnoughEqualsExhaustiveSearch() {
    for (boolean normalized : new boolean[] {false, true}) {
      for (DecodeLimits limits : List.of(DecodeLimits.of(END, 4), DecodeLimits.of(END, 4).withMinTokens(2),
          DecodeLimits.of(END, 3).withMinTokens(3))) {
        for (double endBias : new double[] {-1, 1.5}) {
          PrefixHashLm lm = new PrefixHashLm(VOCAB, 4 * 320, 16, END, endBias);
          BeamSearch search = new BeamSearch(320, normalized);
          int[][] found = new AutoRegressiveDecoder(lm, limits).beamSearch(PROMPTS, null, search);
          for (int p = 0; p < PROMPTS.length; p++) {
            Scored best = exhaustive(lm, PROMPTS[p], limits, normalized);
            assertArrayEquals(best.tokens(), found[p], "prompt " + p + ", " + limits + ", normalized="
                + normalized + ", end bias " + endBias);
          }
        }
      }
    }
  }

  @Test
  void aNarrowBeamFindsNoBetterThanTheExhaustiveBestAndSometimesWorse() {
    PrefixHashLm lm = new PrefixHashLm(VOCAB, 64, 16, END, 0);
    DecodeLimits limits = DecodeLimits.of(END, 5);
    int worse = 0;
    int[][] prompts = IntStream.range(0, 40).mapToObj(i -> new int[] {1 + i % 4, 1 + i / 4 % 4, 1 + i / 16})
        .toArray(int[][]::new);
    int[][] found = new AutoRegressiveDecoder(lm, limits).beamSearch(prompts, null, BeamSearch.of(2));
    for (int p = 0; p < prompts.length; p++) {
      double best = exhaustive(lm, prompts[p], limits, false).score();
      double got = score(lm, prompts[p], found[p], limits);
      assertTrue(got <= best + 1e-9, "prompt " + p);
      worse += got < best - 1e-9 ? 1 : 0;
    }
    assertTrue(worse > 0, "width 2 should miss the best output for some of 40 prompts");
  }

  /** The log-probability of {@code output} (then the end token, if it is shorter than maxTokens). */
  private static double score(PrefixHashLm lm, int[] prompt, int[] output, DecodeLimits limits) {
    double s = 0;
    for (int t = 0; t <= output.length; t++) {
      if (t == limits.maxTokens()) {
        break;
      }
      int token = t < output.length ? output[t] : END;
      s += referenceLogSoftmax(lm.logitsAfter(prompt, Arrays.copyOf(output, t)),
          t >= limits.minTokens(), 1)[token];
    }
    return s;
  }

  @Test
  void greedyIsTheArgmaxWalkAndEqualsBeamWidthOne() {
    for (double endBias : new double[] {-2, 0, 2}) {
      PrefixHashLm lm = new PrefixHashLm(VOCAB, 3, 16, END, endBias);
      DecodeLimits limits = DecodeLimits.of(END, 8).withMinTokens(1);
      AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(lm, limits);
      int[][] prompts = IntStream.range(0, 30).mapToObj(i -> new int[] {1 + i % 4, 1 + i / 4 % 4, 1 + i / 16})
          .toArray(int[][]::new);
      int[][] greedy = decoder.greedy(prompts, null);
      assertArrayEquals(greedy, decoder.beamSearch(prompts, null, BeamSearch.of(1)));
      for (int p = 0; p < prompts.length; p++) {
        int[] walk = new int[0];
        while (walk.length < limits.maxTokens()) {
          double[] logP = referenceLogSoftmax(lm.logitsAfter(prompts[p], walk),
              walk.length >= limits.minTokens(), 1);
          int best = 1;
          for (int v = 2; v < VOCAB; v++) {
            best = logP[v] > logP[best] ? v : best;
          }
          if (best == END) {
            break;
          }
          walk = Arrays.copyOf(walk, walk.length + 1);
          walk[walk.length - 1] = best;
        }
        assertArrayEquals(walk, greedy[p], "prompt " + p + ", end bias " + endBias);
      }
    }
  }

  @Test
  void samplingWithASeedIsReproducibleWhateverTheBatching() {
    DecodeLimits limits = DecodeLimits.of(END, 10);
    Sampling sampling = Sampling.seeded(42).withSamples(5).withTopK(3).withTopP(0.9);
    int[][][] a = new AutoRegressiveDecoder(new PrefixHashLm(VOCAB, 64, 16, END, -1), limits)
        .sample(PROMPTS, null, sampling);
    int[][][] b = new AutoRegressiveDecoder(new PrefixHashLm(VOCAB, 64, 16, END, -1), limits)
        .sample(PROMPTS, null, sampling);
    int[][][] smallBatches = new AutoRegressiveDecoder(new PrefixHashLm(VOCAB, 3, 16, END, -1), limits)
        .sample(PROMPTS, null, sampling);
    int[][][] otherSeed = new AutoRegressiveDecoder(new PrefixHashLm(VOCAB, 64, 16, END, -1), limits)
        .sample(PROMPTS, null, Sampling.seeded(43).withSamples(5).withTopK(3).withTopP(0.9));
    assertTrue(Arrays.deepEquals(a, b));
    assertTrue(Arrays.deepEquals(a, smallBatches));
    assertFalse(Arrays.deepEquals(a, otherSeed));
    assertEquals(PROMPTS.length, a.length);
    for (int[][] perPrompt : a) {
      assertEquals(5, perPrompt.length);
      assertTrue(new HashSet<>(Arrays.stream(perPrompt).map(Arrays::toString).toList()).size() > 1,
          "five samples of one prompt should not all be the same");
    }
  }

  /** The tokens top-k then top-p keep after {@code generated}, computed from the sorted probabilities. */
  private static Set<Integer> allowedSet(PrefixHashLm lm, int[] prompt, int[] generated,
      DecodeLimits limits, Sampling sampling) {
    double[] logP = referenceLogSoftmax(lm.logitsAfter(prompt, generated),
        generated.length >= limits.minTokens(), sampling.temperature());
    List<Integer> tokens = new ArrayList<>();
    for (int v = 0; v < VOCAB; v++) {
      if (logP[v] > Double.NEGATIVE_INFINITY) {
        tokens.add(v);
      }
    }
    tokens.sort(Comparator.comparingDouble((Integer v) -> -logP[v]));
    if (sampling.topK() > 0 && tokens.size() > sampling.topK()) {
      tokens = tokens.subList(0, sampling.topK());
    }
    double mass = tokens.stream().mapToDouble(v -> Math.exp(logP[v])).sum();
    Set<Integer> allowed = new HashSet<>();
    double cumulative = 0;
    for (int v : tokens) {
      allowed.add(v);
      cumulative += Math.exp(logP[v]) / mass;
      if (cumulative >= sampling.topP() - 1e-12) {
        break;
      }
    }
    return allowed;
  }

  @Test
  void topKAndTopPNeverEmitATokenOutsideTheAllowedSet() {
    PrefixHashLm lm = new PrefixHashLm(VOCAB, 256, 16, END, -0.5);
    DecodeLimits limits = DecodeLimits.of(END, 6).withMinTokens(1);
    List<Sampling> settings = List.of(
        Sampling.seeded(1).withSamples(400).withTopK(2),
        Sampling.seeded(2).withSamples(400).withTopP(0.6),
        Sampling.seeded(3).withSamples(400).withTopK(3).withTopP(0.7).withTemperature(0.7),
        Sampling.seeded(4).withSamples(400).withTopP(0.95).withTemperature(1.5));
    for (Sampling sampling : settings) {
      int[][][] samples = new AutoRegressiveDecoder(lm, limits).sample(PROMPTS, null, sampling);
      int draws = 0;
      Set<String> drawnOutsideTop1 = new HashSet<>();
      for (int p = 0; p < PROMPTS.length; p++) {
        for (int[] output : samples[p]) {
          for (int t = 0; t <= output.length && t < limits.maxTokens(); t++) {
            int token = t < output.length ? output[t] : END;
            int[] prefix = Arrays.copyOf(output, t);
            Set<Integer> allowed = allowedSet(lm, PROMPTS[p], prefix, limits, sampling);
            assertTrue(allowed.contains(token), sampling + ": token " + token + " after "
                + Arrays.toString(prefix) + " of prompt " + p + " is outside " + allowed);
            if (allowed.size() > 1) {
              drawnOutsideTop1.add(p + ":" + Arrays.toString(prefix) + ":" + token);
            }
            draws++;
          }
        }
      }
      assertTrue(draws > 4000, sampling + ": " + draws + " draws");
      assertTrue(drawnOutsideTop1.size() > 20, sampling + ": the draws should vary");
    }
  }

  @Test
  void topKOfOneIsGreedy() {
    PrefixHashLm lm = new PrefixHashLm(VOCAB, 64, 16, END, 0);
    AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(lm, DecodeLimits.of(END, 8));
    int[][][] sampled = decoder.sample(PROMPTS, null, Sampling.seeded(5).withSamples(3).withTopK(1));
    int[][] greedy = decoder.greedy(PROMPTS, null);
    for (int p = 0; p < PROMPTS.length; p++) {
      for (int[] s : sampled[p]) {
        assertArrayEquals(greedy[p], s);
      }
    }
  }

  @Test
  void outputsStopAtTheEndTokenWithinTheLimits() {
    PrefixHashLm lm = new PrefixHashLm(VOCAB, 64, 16, END, 2);
    DecodeLimits limits = DecodeLimits.of(END, 7).withMinTokens(3);
    AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(lm, limits);
    List<int[]> outputs = new ArrayList<>(Arrays.asList(decoder.greedy(PROMPTS, null)));
    outputs.addAll(Arrays.asList(decoder.beamSearch(PROMPTS, null, BeamSearch.of(4))));
    for (int[][] s : decoder.sample(PROMPTS, null, Sampling.seeded(9).withSamples(50))) {
      outputs.addAll(Arrays.asList(s));
    }
    Set<Integer> lengths = new HashSet<>();
    for (int[] output : outputs) {
      assertTrue(output.length >= 3 && output.length <= 7, Arrays.toString(output));
      for (int token : output) {
        assertTrue(token > 0 && token != END, Arrays.toString(output));
      }
      lengths.add(output.length);
    }
    assertTrue(lengths.size() > 2, "outputs should end at different lengths: " + lengths);
  }

  @Test
  void badArgumentsAreClearErrors() {
    PrefixHashLm lm = new PrefixHashLm(VOCAB, 8, 10, END, 0);
    AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(lm, DecodeLimits.of(END, 5));
    assertMessage("beam width=0 must be at least 1", () -> BeamSearch.of(0));
    assertMessage("beam width=9 exceeds the model's maxBatch=8",
        () -> decoder.beamSearch(PROMPTS, null, BeamSearch.of(9)));
    assertMessage("samples=0", () -> Sampling.seeded(1).withSamples(0));
    assertMessage("topK=-1", () -> Sampling.seeded(1).withTopK(-1));
    assertMessage("topP=0.0 must be in (0, 1]", () -> Sampling.seeded(1).withTopP(0));
    assertMessage("topP=1.5", () -> Sampling.seeded(1).withTopP(1.5));
    assertMessage("temperature=0.0", () -> Sampling.seeded(1).withTemperature(0));
    assertMessage("minTokens=6 must be in [0, maxTokens=5]", () -> DecodeLimits.of(END, 5).withMinTokens(6));
    assertMessage("maxTokens=0", () -> DecodeLimits.of(END, 0));
    assertMessage("endToken=0", () -> DecodeLimits.of(0, 5));
    assertMessage("endToken=6 must be below the model's vocab=6",
        () -> new AutoRegressiveDecoder(lm, DecodeLimits.of(6, 5)));
    assertMessage("maxTokens=10 leaves no room for a prompt: the model holds maxLength=10",
        () -> new AutoRegressiveDecoder(lm, DecodeLimits.of(END, 10)));
    assertMessage("no prompts", () -> decoder.greedy(new int[0][], null));
    assertMessage("prompt 1 is empty", () -> decoder.greedy(new int[][] {{1}, {}}, null));
    assertMessage("prompt 0 has 7 tokens: with maxTokens=5 it needs 11 positions, more than the "
        + "model's maxLength=10", () -> decoder.greedy(new int[][] {{1, 1, 1, 1, 1, 1, 1}}, null));
    assertMessage("prompt 0 position 1: token 0 is outside [1, 6) (0 is padding)",
        () -> decoder.sample(new int[][] {{1, 0}}, null, Sampling.seeded(1)));
    assertMessage("token 6 is outside", () -> decoder.beamSearch(new int[][] {{6}}, null, BeamSearch.of(2)));
    assertMessage("1 rows of segment ids for 2 prompts",
        () -> decoder.greedy(new int[][] {{1}, {2}}, new int[][] {{0}}));
    assertMessage("prompt 0 has 2 tokens and 1 segment ids",
        () -> decoder.greedy(new int[][] {{1, 2}}, new int[][] {{0}}));
    assertMessage("beamSearch needs its settings", () -> decoder.beamSearch(PROMPTS, null, null));
    assertMessage("a decoder needs a model and limits", () -> new AutoRegressiveDecoder(null,
        DecodeLimits.of(END, 3)));
  }

  private static void assertMessage(String expected, Runnable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" should contain \""
        + expected + "\"");
  }

  @Test
  void beamSearchBatchesInputsWithinMaxBatch() {
    PrefixHashLm wide = new PrefixHashLm(VOCAB, 64, 16, END, 0);
    PrefixHashLm narrow = new PrefixHashLm(VOCAB, 5, 16, END, 0);
    DecodeLimits limits = DecodeLimits.of(END, 6);
    int[][] a = new AutoRegressiveDecoder(wide, limits).beamSearch(PROMPTS, null, BeamSearch.of(4));
    int[][] b = new AutoRegressiveDecoder(narrow, limits).beamSearch(PROMPTS, null, BeamSearch.of(4));
    assertArrayEquals(a, b);
    assertNotEquals(0, narrow.steps);
  }
}
