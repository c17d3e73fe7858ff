package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.dsl.Position;
import bert4j.examples.model.specs.RefDropoutImpl;
import bert4j.examples.model.specs.RefPositionNoneLmImpl;
import bert4j.examples.model.specs.RefRecomputeOnImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Incremental decoding against the model's own full forward pass: for every reference spec with an LM
 * or UniLM mask (BERT, ALBERT, RoFormer, RoFormer-V2, GPT, GPT-2; learned, rotary and no positions), a
 * padded batch of prompts of different lengths is started, then stepped with random tokens, the
 * beams reordered before every step (expansion from 3 to 6 sequences, permutations with cycles,
 * pruning); at every call the cached logits equal those of a full {@code forward} over the whole
 * sequences so far (right-padded with token 0, generated tokens in the generation segment), read at
 * each sequence's last token.
 */
class DecodeMatchesForwardTest {
  private static final int MAX_BATCH = 6;
  private static final int MAX_LENGTH = 16;
  private static final double TOLERANCE = 1e-5;

  /** Before each step: the parents of the new batch (sizes 3 → 6 → 6 → 6 → 6 → 6 → 4). */
  private static final int[][] PARENTS = {
      {0, 0, 1, 1, 2, 2},
      {1, 0, 3, 2, 5, 4},
      {5, 4, 3, 2, 1, 0},
      {0, 0, 0, 3, 3, 3},
      {2, 0, 1, 5, 3, 4},
      {3, 1, 1, 0},
  };

  @ParameterizedTest
  @EnumSource(TestModels.class)
  void everyStepMatchesTheFullForwardPass(TestModels spec) {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer model = spec.factory.create(kernels, MAX_BATCH, MAX_LENGTH)) {
      if (!decodes(spec.config)) {
        assertFalse(model instanceof IncrementalLm, spec + " should not decode incrementally");
        return;
      }
      assertTrue(model instanceof IncrementalLm, spec + " should decode incrementally");
      decodeAndCompare(model, spec.config.mask(), spec.ordinal());
    }
  }

  /** Decoding options the reference specs above leave out. */
  enum Extra {
    /** No position embedding, LM mask, dropout in training. */
    POSITION_NONE_LM(RefPositionNoneLmImpl::create, Mask.LM),
    /** UniLM with hidden and attention dropout in training. */
    DROPOUT_UNILM(RefDropoutImpl::create, Mask.UNILM),
    /** UniLM, three layers, recompute (the decoding pass does not recompute). */
    RECOMPUTE_UNILM(RefRecomputeOnImpl::create, Mask.UNILM);

    final TestModels.Factory factory;
    final Mask mask;

    Extra(TestModels.Factory factory, Mask mask) {
      this.factory = factory;
      this.mask = mask;
    }
  }

  @ParameterizedTest
  @EnumSource(Extra.class)
  void everyStepMatchesTheFullForwardPassWithOtherOptions(Extra spec) {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer model = spec.factory.create(kernels, MAX_BATCH, MAX_LENGTH)) {
      decodeAndCompare(model, spec.mask, 100 + spec.ordinal());
    }
  }

  /**
   * Starts three prompts (one with a segment-1 target prefix under UniLM), then reorders and steps
   * through {@link #PARENTS}, comparing every call's logits with the full forward's.
   */
  private static void decodeAndCompare(GeneratedTransformer model, Mask mask, long seed) {
    IncrementalLm lm = (IncrementalLm) model;
    model.initialize(11);
    boolean unilm = mask == Mask.UNILM;
    boolean segments = model.layout().segments() > 0;
    SplittableRandom random = new SplittableRandom(seed);
    List<int[]> tokens = new ArrayList<>();
    List<int[]> segmentIds = new ArrayList<>();
    for (int length : new int[] {5, 2, 4}) {
      tokens.add(random.ints(length, 1, lm.vocab()).toArray());
      int[] s = new int[length];
      if (unilm && length == 5) {
        s[3] = 1;
        s[4] = 1;
      }
      segmentIds.add(s);
    }
    FloatTensor logits = lm.start(tokens.toArray(int[][]::new),
        segments ? segmentIds.toArray(int[][]::new) : null);
    assertMatches(model, tokens, segmentIds, logits, "start");
    int generation = unilm ? 1 : 0;
    for (int step = 0; step < PARENTS.length; step++) {
      int[] parents = PARENTS[step];
      lm.reorder(parents);
      List<int[]> nextTokens = new ArrayList<>();
      List<int[]> nextSegments = new ArrayList<>();
      int[] added = random.ints(parents.length, 1, lm.vocab()).toArray();
      for (int b = 0; b < parents.length; b++) {
        int[] t = tokens.get(parents[b]);
        int[] s = segmentIds.get(parents[b]);
        int[] t2 = Arrays.copyOf(t, t.length + 1);
        int[] s2 = Arrays.copyOf(s, s.length + 1);
        t2[t.length] = added[b];
        s2[s.length] = generation;
        nextTokens.add(t2);
        nextSegments.add(s2);
      }
      tokens = nextTokens;
      segmentIds = nextSegments;
      logits = lm.step(added);
      assertMatches(model, tokens, segmentIds, logits, "step " + (step + 1));
    }
  }

  /**
   * Whether the spec should decode incrementally, from its hand-written configuration: an LM or UniLM
   * mask, the LM head, learned, rotary or no positions, softmax attention without talking heads, no
   * conditional layer norm.
   */
  private static boolean decodes(ReferenceBert.Config c) {
    return c.mask() != Mask.NONE && c.mlm() && EnumSet.of(Position.LEARNED, Position.ROTARY,
        Position.NONE).contains(c.position())
        && c.options().normalization() == Normalization.SOFTMAX && !c.options().talkingHeads()
        && c.conditionSize() == 0;
  }

  /** The logits equal a full forward's at each sequence's last token. */
  private static void assertMatches(GeneratedTransformer model, List<int[]> tokens,
      List<int[]> segments, FloatTensor logits, String when) {
    int batch = tokens.size();
    int seq = tokens.stream().mapToInt(t -> t.length).max().orElseThrow();
    int[][] paddedTokens = new int[batch][seq];
    int[][] paddedSegments = new int[batch][seq];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(tokens.get(b), 0, paddedTokens[b], 0, tokens.get(b).length);
      System.arraycopy(segments.get(b), 0, paddedSegments[b], 0, segments.get(b).length);
    }
    FloatTensor full = model.forward(Batch.of(paddedTokens, paddedSegments)).mlmLogits();
    int vocab = model.layout().vocab();
    assertEquals(List.of(batch, vocab), List.of(logits.shape()[0], logits.shape()[1]), when);
    double worst = 0;
    for (int b = 0; b < batch; b++) {
      int last = tokens.get(b).length - 1;
      for (int v = 0; v < vocab; v++) {
        worst = Math.max(worst, Math.abs(logits.get(b, v) - full.get(b, last, v)));
      }
    }
    assertTrue(worst <= TOLERANCE, model.specName() + " " + when + ": max |cached − full| = "
        + worst);
  }

  /** A GPT-2 for up to 2 sequences of 8 tokens. */
  private static GeneratedTransformer gpt2(Kernels kernels) {
    GeneratedTransformer model = TestModels.GPT2.factory.create(kernels, 2, 8);
    model.initialize(3);
    return model;
  }

  @Test
  void aPromptLongerThanMaxLengthIsAnError() {
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = gpt2(kernels)) {
      IncrementalLm lm = (IncrementalLm) model;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> lm.start(new int[][] {new int[9]}, null));
      assertTrue(e.getMessage().contains("prompt 0 must hold 1 to maxLength=8 tokens, got 9"),
          e.getMessage());
    }
  }

  @Test
  void aStepPastMaxLengthIsAnError() {
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = gpt2(kernels)) {
      IncrementalLm lm = (IncrementalLm) model;
      lm.start(new int[][] {{1, 2, 3, 4, 5, 6, 7}, {1}}, null);
      lm.step(new int[] {8, 2});
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> lm.step(new int[] {9, 3}));
      assertTrue(e.getMessage().contains("sequence 0 already holds maxLength=8 tokens"),
          e.getMessage());
    }
  }

  @Test
  void parentsOutOfRangeAreAnError() {
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = gpt2(kernels)) {
      IncrementalLm lm = (IncrementalLm) model;
      lm.start(new int[][] {{1, 2}}, null);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> lm.reorder(new int[] {0, 1}));
      assertTrue(e.getMessage().contains("parents[1] = 1 is not one of the 1 current sequences"),
          e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> lm.reorder(new int[] {-1}));
      assertTrue(e.getMessage().contains("parents[0] = -1"), e.getMessage());
    }
  }

  @Test
  void moreRowsThanMaxBatchAreAnError() {
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = gpt2(kernels)) {
      IncrementalLm lm = (IncrementalLm) model;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> lm.start(new int[][] {{1}, {2}, {3}}, null));
      assertTrue(e.getMessage().contains("prompts must hold 1 to maxBatch=2 sequences, got 3"),
          e.getMessage());
      lm.start(new int[][] {{1}, {2}}, null);
      e = assertThrows(IllegalArgumentException.class, () -> lm.reorder(new int[] {0, 1, 1}));
      assertTrue(e.getMessage().contains("parents must hold 1 to maxBatch=2 entries, got 3"),
          e.getMessage());
    }
  }

  @Test
  void misuseIsAnError() {
    try (Kernels kernels = Backend.cpu(); GeneratedTransformer model = gpt2(kernels)) {
      IncrementalLm lm = (IncrementalLm) model;
      IllegalStateException before = assertThrows(IllegalStateException.class,
          () -> lm.step(new int[] {1}));
      assertTrue(before.getMessage().contains("call start(prompts, segments) first"),
          before.getMessage());
      lm.start(new int[][] {{1, 2}, {3}}, null);
      IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
          () -> lm.step(new int[] {1}));
      assertTrue(count.getMessage().contains("expected 2 tokens, one per sequence, got 1"),
          count.getMessage());
      IllegalArgumentException token = assertThrows(IllegalArgumentException.class,
          () -> lm.step(new int[] {1, 60}));
      assertTrue(token.getMessage().contains("tokens[1] = 60 is outside the vocabulary [0, 60)"),
          token.getMessage());
      IllegalStateException gone = assertThrows(IllegalStateException.class, model::lastOutputs);
      assertTrue(gone.getMessage().contains("decoding call has reused its memory"),
          gone.getMessage());
    }
  }
}
