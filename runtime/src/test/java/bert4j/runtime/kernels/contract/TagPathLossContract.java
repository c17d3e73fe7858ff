package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.minus;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * crfLoss and memmLoss against {@link TagPathReference} (the CRF by enumerating every tag path):
 * the loss, dEmissions (0 at padding, overwritten) and what is added to dTransitions, with padding
 * at the start, middle and end of a sequence and a sequence of padding only; the gradients against
 * finite differences of the reference loss; many sequences over several threads, the same on every
 * call; tags checked at non-padding positions only; huge scores stay finite.
 */
public abstract class TagPathLossContract extends KernelsContract {
  /** The two losses, each with its kernel and its reference. */
  enum Loss {
    CRF, MEMM;

    double call(Kernels k, Slice e, Slice trans, int[] tags, int[] tokenIds, int batch, int seq,
        int n, Slice dE, Slice dT, float scale) {
      return this == CRF
          ? k.crfLoss(e, trans, tags, tokenIds, batch, seq, n, dE, dT, scale)
          : k.memmLoss(e, trans, tags, tokenIds, batch, seq, n, dE, dT, scale);
    }

    TagPathReference.Result reference(double[] e, double[] trans, int[] tags, int[] tokenIds,
        int batch, int seq, int n) {
      return this == CRF ? TagPathReference.crf(e, trans, tags, tokenIds, batch, seq, n)
          : TagPathReference.memm(e, trans, tags, tokenIds, batch, seq, n);
    }

    String kernel() {
      return this == CRF ? "crfLoss" : "memmLoss";
    }
  }

  /** Sequence 0 full, 1 with padding at its start, middle and end, 2 padding only, 3 one token. */
  private static final int[] TOKENS = {
      4, 9, 2, 7, 5,
      0, 3, 0, 8, 0,
      0, 0, 0, 0, 0,
      6, 0, 0, 0, 0};
  private static final int BATCH = 4;
  private static final int SEQ = 5;
  private static final int TAGS = 3;

  /** Random gold tags where there are tokens; at padding −1 or a value out of range (ignored). */
  private static int[] tags(Random random, int[] tokenIds, int n) {
    int[] tags = new int[tokenIds.length];
    for (int r = 0; r < tags.length; r++) {
      tags[r] = tokenIds[r] != 0 ? random.nextInt(n) : r % 2 == 0 ? -1 : n + 7;
    }
    return tags;
  }

  private void checkAgainstReference(Loss loss, Random random, int[] tokenIds, int batch, int seq,
      int n, double range) {
    float[] e = uniform(random, batch * seq * n, -range, range);
    float[] trans = uniform(random, n * n, -range, range);
    int[] tags = tags(random, tokenIds, n);
    float[] before = uniform(random, n * n);
    Slice dE = put(kernels, uniform(random, e.length));
    Slice dT = put(kernels, before);
    float scale = 0.5f;
    double got = loss.call(kernels, put(kernels, e), put(kernels, trans), tags, tokenIds, batch,
        seq, n, dE, dT, scale);
    TagPathReference.Result want = loss.reference(doubles(e), doubles(trans), tags, tokenIds,
        batch, seq, n);
    assertEquals(want.loss(), got, 1e-9 * Math.max(1, Math.abs(want.loss())), "loss");
    double[] wantDe = Arrays.stream(want.dEmissions()).map(g -> scale * g).toArray();
    double[] wantDt = Arrays.stream(want.dTransitions()).map(g -> scale * g).toArray();
    assertClose(wantDe, get(kernels, dE, e.length), 1e-6, "dEmissions");
    assertClose(wantDt, minus(get(kernels, dT, n * n), before), 1e-5, "dTransitions (added)");
  }

  @ParameterizedTest
  @EnumSource(Loss.class)
  void lossAndGradientsMatchTheReference(Loss loss) {
    checkAgainstReference(loss, new Random(1), TOKENS, BATCH, SEQ, TAGS, 2);
    float[] dE = new float[BATCH * SEQ * TAGS];
    Slice d = put(kernels, uniform(new Random(2), dE.length));
    loss.call(kernels, put(kernels, uniform(new Random(3), dE.length)),
        put(kernels, uniform(new Random(4), TAGS * TAGS)), tags(new Random(5), TOKENS, TAGS),
        TOKENS, BATCH, SEQ, TAGS, d, zeros(kernels, TAGS * TAGS), 1f);
    kernels.read(d, dE, 0, dE.length);
    for (int r = 0; r < TOKENS.length; r++) {
      for (int j = 0; TOKENS[r] == 0 && j < TAGS; j++) {
        assertEquals(0f, dE[r * TAGS + j], "padding row " + r + " gets a zero gradient");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Loss.class)
  void gradientsMatchFiniteDifferences(Loss loss) {
    Random random = new Random(6);
    float[] e = uniform(random, BATCH * SEQ * TAGS, -1.5, 1.5);
    float[] trans = uniform(random, TAGS * TAGS, -1.5, 1.5);
    int[] tags = tags(random, TOKENS, TAGS);
    Slice dE = zeros(kernels, e.length);
    Slice dT = zeros(kernels, TAGS * TAGS);
    loss.call(kernels, put(kernels, e), put(kernels, trans), tags, TOKENS, BATCH, SEQ, TAGS, dE,
        dT, 1f);
    double[] te = doubles(trans);
    double[] ee = doubles(e);
    assertGradient(gradient(x -> loss.reference(x, te, tags, TOKENS, BATCH, SEQ, TAGS).loss(), ee),
        get(kernels, dE, e.length), "dEmissions");
    assertGradient(gradient(x -> loss.reference(ee, x, tags, TOKENS, BATCH, SEQ, TAGS).loss(), te),
        get(kernels, dT, TAGS * TAGS), "dTransitions");
  }

  /** 48 sequences of 6 over 4 tags (4,096 paths each), padding at random: work for several threads. */
  @ParameterizedTest
  @EnumSource(Loss.class)
  void manySequencesMatchTheReferenceAndRepeatBitForBit(Loss loss) {
    Random random = new Random(7);
    int batch = 48;
    int seq = 6;
    int n = 4;
    int[] tokenIds = new int[batch * seq];
    for (int r = 0; r < tokenIds.length; r++) {
      tokenIds[r] = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(20);
    }
    checkAgainstReference(loss, random, tokenIds, batch, seq, n, 3);
    float[] e = uniform(random, batch * seq * n, -3, 3);
    float[] trans = uniform(random, n * n, -3, 3);
    int[] tags = tags(random, tokenIds, n);
    double[] losses = new double[2];
    float[][] dEmissions = new float[2][];
    float[][] dTransitions = new float[2][];
    for (int run = 0; run < 2; run++) {
      Slice dE = zeros(kernels, e.length);
      Slice dT = zeros(kernels, n * n);
      losses[run] = loss.call(kernels, put(kernels, e), put(kernels, trans), tags, tokenIds, batch,
          seq, n, dE, dT, 0.25f);
      dEmissions[run] = get(kernels, dE, e.length);
      dTransitions[run] = get(kernels, dT, n * n);
    }
    assertEquals(losses[0], losses[1], "the loss of run 2");
    assertArrayEquals(dEmissions[0], dEmissions[1], "dEmissions of run 2");
    assertArrayEquals(dTransitions[0], dTransitions[1], "dTransitions of run 2");
  }

  /** One position: both losses are the softmax cross-entropy of its emissions; no transitions. */
  @ParameterizedTest
  @EnumSource(Loss.class)
  void onePositionIsSoftmaxCrossEntropy(Loss loss) {
    float[] e = {0.5f, -1f, 2f, 0.25f};
    Slice dT = zeros(kernels, 16);
    Slice dE = zeros(kernels, 4);
    double got = loss.call(kernels, put(kernels, e), put(kernels, uniform(new Random(8), 16)),
        new int[] {1}, new int[] {5}, 1, 1, 4, dE, dT, 1f);
    double sum = 0;
    for (float x : e) {
      sum += Math.exp(x);
    }
    assertEquals(Math.log(sum) + 1, got, 1e-12);
    float[] dTransitions = get(kernels, dT, 16);
    assertArrayEquals(new float[16], dTransitions, "no transition is used");
    assertEquals((float) (Math.exp(2) / sum), get(kernels, dE, 4)[2], 1e-7);
  }

  @ParameterizedTest
  @EnumSource(Loss.class)
  void aTagOutsideTheRangeAtANonPaddingPositionIsRejected(Loss loss) {
    Slice e = zeros(kernels, BATCH * SEQ * TAGS);
    Slice dE = zeros(kernels, BATCH * SEQ * TAGS);
    Slice t = zeros(kernels, TAGS * TAGS);
    int[] tags = tags(new Random(9), TOKENS, TAGS);
    loss.call(kernels, e, t, tags, TOKENS, BATCH, SEQ, TAGS, dE, zeros(kernels, TAGS * TAGS), 1f);
    for (int bad : new int[] {-1, TAGS}) {
      int[] wrong = tags.clone();
      wrong[SEQ + 3] = bad;
      IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
          () -> loss.call(kernels, e, t, wrong, TOKENS, BATCH, SEQ, TAGS, dE, t, 1f));
      assertTrue(ex.getMessage().contains(loss.kernel() + ": tag " + bad
          + " of sequence 1 at position 3 is outside [0, 3)"), ex.getMessage());
    }
  }

  /** Scores of ±10⁴: every log-sum-exp is shifted by its max, nothing overflows. */
  @ParameterizedTest
  @EnumSource(Loss.class)
  void hugeScoresStayFinite(Loss loss) {
    checkAgainstReference(loss, new Random(10), TOKENS, BATCH, SEQ, TAGS, 1e4);
  }
}
