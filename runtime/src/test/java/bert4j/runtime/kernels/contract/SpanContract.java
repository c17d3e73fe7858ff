package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.dot;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
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
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * spanMask, spanMaskBackward and spanLoss (GlobalPointer): the mask with and without the start/end
 * bias and the lower triangle, against a naive double reference; the backward and the loss's
 * gradient against finite differences; the loss against its formula; duplicate targets, in place,
 * masked cells, bad spans.
 */
public abstract class SpanContract extends KernelsContract {
  /** Two sequences of 7 with padding at the end of the first and the start of the second. */
  private static final int BATCH = 2;
  private static final int SEQ = 7;
  private static final int[] TOKENS = {5, 3, 9, 4, 8, 0, 0, 0, 6, 2, 7, 1, 3, 5};
  /** The loss's relative tolerance: its exponentials are float's (1e-7 relative), its sums double. */
  private static final double LOSS_TOLERANCE = 1e-6;

  /**
   * The scores in double: the logits (one grid per type, or with a bias one grid shared by the types
   * plus the bias terms), then −1e12 at padding and (tril) below the diagonal.
   */
  static double[] maskReference(double[] logits, double[] bias, int[] tokens, int batch, int seq,
      int types, boolean tril) {
    return maskReference(logits, bias, tokens, batch, seq, types, tril, Kernels.MASKED_SPAN);
  }

  /**
   * As above with {@code masked} at the masked cells: the finite differences use 0, a constant as
   * −1e12 is, which does not drown the differences in rounding.
   */
  static double[] maskReference(double[] logits, double[] bias, int[] tokens, int batch, int seq,
      int types, boolean tril, double masked) {
    double[] out = new double[batch * types * seq * seq];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < types; t++) {
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            int c = ((b * types + t) * seq + i) * seq + j;
            if (tokens[b * seq + i] == 0 || tokens[b * seq + j] == 0 || tril && i > j) {
              out[c] = masked;
            } else if (bias == null) {
              out[c] = logits[c];
            } else {
              out[c] = logits[(b * seq + i) * seq + j]
                  + (bias[(b * seq + j) * 2 * types + 2 * t]
                  + bias[(b * seq + i) * 2 * types + 2 * t + 1]) / 2;
            }
          }
        }
      }
    }
    return out;
  }

  /** Σ over rows of log(1 + Σ_neg e^s) + log(1 + Σ_pos e^−s), written out directly. */
  static double lossReference(double[] scores, int[] spans, int batch, int seq, int types) {
    Set<Integer> positive = new HashSet<>();
    for (int s = 0; s < spans.length; s += 4) {
      positive.add(((spans[s] * types + spans[s + 1]) * seq + spans[s + 2]) * seq + spans[s + 3]);
    }
    double total = 0;
    int cells = seq * seq;
    for (int r = 0; r < batch * types; r++) {
      double neg = 1;
      double pos = 1;
      for (int c = r * cells; c < (r + 1) * cells; c++) {
        if (positive.contains(c)) {
          pos += Math.exp(-scores[c]);
        } else {
          neg += Math.exp(scores[c]);
        }
      }
      total += Math.log(neg) + Math.log(pos);
    }
    return total;
  }

  @ParameterizedTest(name = "types {0}, bias {1}, tril {2}")
  @CsvSource({"1, false, false", "3, false, true", "2, true, true", "3, true, false"})
  void maskMatchesNaive(int types, boolean withBias, boolean tril) {
    Random random = new Random(types);
    int cells = BATCH * types * SEQ * SEQ;
    float[] logits = uniform(random, withBias ? BATCH * SEQ * SEQ : cells, -3, 3);
    float[] bias = uniform(random, BATCH * SEQ * 2 * types, -2, 2);
    Slice scores = put(kernels, uniform(random, cells));
    kernels.spanMask(put(kernels, logits), withBias ? put(kernels, bias) : null, scores, TOKENS,
        BATCH, SEQ, types, tril);
    double[] want = maskReference(doubles(logits), withBias ? doubles(bias) : null, TOKENS, BATCH,
        SEQ, types, tril);
    assertClose(want, get(kernels, scores, cells), 1e-6, "scores");
  }

  /** GlobalPointer's mask in place gives what it gives apart. */
  @Test
  void maskInPlaceGivesTheSameAsApart() {
    Random random = new Random(4);
    int cells = BATCH * 2 * SEQ * SEQ;
    float[] logits = uniform(random, cells, -3, 3);
    Slice apart = zeros(kernels, cells);
    kernels.spanMask(put(kernels, logits), null, apart, TOKENS, BATCH, SEQ, 2, true);
    Slice same = put(kernels, logits);
    kernels.spanMask(same, null, same, TOKENS, BATCH, SEQ, 2, true);
    assertArrayEquals(get(kernels, apart, cells), get(kernels, same, cells));
  }

  /** Many rows (several threads' worth), EfficientGlobalPointer's: forward and backward as written. */
  @Test
  void maskOfALargeGridMatchesNaive() {
    Random random = new Random(5);
    int batch = 6;
    int seq = 40;
    int types = 5;
    int[] tokens = new int[batch * seq];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq - 3 * b; i++) {
        tokens[b * seq + i] = 1 + random.nextInt(50);
      }
    }
    int cells = batch * types * seq * seq;
    float[] logits = uniform(random, batch * seq * seq, -3, 3);
    float[] bias = uniform(random, batch * seq * 2 * types);
    Slice scores = zeros(kernels, cells);
    kernels.spanMask(put(kernels, logits), put(kernels, bias), scores, tokens, batch, seq, types,
        true);
    assertClose(maskReference(doubles(logits), doubles(bias), tokens, batch, seq, types, true),
        get(kernels, scores, cells), 1e-6, "scores");
    float[] w = uniform(random, cells);
    Slice dLogits = zeros(kernels, batch * seq * seq);
    Slice dBias = zeros(kernels, batch * seq * 2 * types);
    kernels.spanMaskBackward(put(kernels, w), dLogits, dBias, tokens, batch, seq, types, true);
    double[] wantLogits = new double[batch * seq * seq];
    double[] wantBias = new double[batch * seq * 2 * types];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < types; t++) {
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            if (tokens[b * seq + i] != 0 && tokens[b * seq + j] != 0 && i <= j) {
              double d = w[((b * types + t) * seq + i) * seq + j];
              wantLogits[(b * seq + i) * seq + j] += d;
              wantBias[(b * seq + j) * 2 * types + 2 * t] += d / 2;
              wantBias[(b * seq + i) * 2 * types + 2 * t + 1] += d / 2;
            }
          }
        }
      }
    }
    assertClose(wantLogits, get(kernels, dLogits, batch * seq * seq), 1e-5, "dLogits");
    assertClose(wantBias, get(kernels, dBias, batch * seq * 2 * types), 1e-5, "dBias");
  }

  @ParameterizedTest(name = "types {0}, bias {1}, tril {2}")
  @CsvSource({"1, false, true", "2, true, true", "3, true, false", "2, false, false"})
  void maskBackwardMatchesFiniteDifferences(int types, boolean withBias, boolean tril) {
    Random random = new Random(10 + types);
    int cells = BATCH * types * SEQ * SEQ;
    int logitCells = withBias ? BATCH * SEQ * SEQ : cells;
    int biasSize = BATCH * SEQ * 2 * types;
    float[] logits = uniform(random, logitCells);
    float[] bias = uniform(random, biasSize);
    float[] w = uniform(random, cells);
    Slice dLogits = put(kernels, uniform(random, logitCells));
    Slice dBias = withBias ? put(kernels, uniform(random, biasSize)) : null;
    kernels.spanMaskBackward(put(kernels, w), dLogits, dBias, TOKENS, BATCH, SEQ, types, tril);
    double[] fixedBias = doubles(bias);
    double[] fixedLogits = doubles(logits);
    double[] wantLogits = gradient(x -> dot(w, maskReference(x, withBias ? fixedBias : null,
        TOKENS, BATCH, SEQ, types, tril, 0)), doubles(logits));
    assertGradient(wantLogits, get(kernels, dLogits, logitCells), "dLogits");
    if (withBias) {
      double[] wantBias = gradient(x -> dot(w, maskReference(fixedLogits, x, TOKENS, BATCH, SEQ,
          types, tril, 0)), doubles(bias));
      assertGradient(wantBias, get(kernels, dBias, biasSize), "dBias");
    }
  }

  /** GlobalPointer's backward in place (dLogits = dScores) gives what it gives apart. */
  @Test
  void maskBackwardInPlaceGivesTheSameAsApart() {
    Random random = new Random(12);
    int cells = BATCH * 2 * SEQ * SEQ;
    float[] w = uniform(random, cells);
    Slice apart = zeros(kernels, cells);
    kernels.spanMaskBackward(put(kernels, w), apart, null, TOKENS, BATCH, SEQ, 2, false);
    Slice same = put(kernels, w);
    kernels.spanMaskBackward(same, same, null, TOKENS, BATCH, SEQ, 2, false);
    assertArrayEquals(get(kernels, apart, cells), get(kernels, same, cells));
  }

  private static int[] spans(Random random, int batch, int seq, int types, int count) {
    int[] spans = new int[4 * count];
    for (int s = 0; s < count; s++) {
      spans[4 * s] = random.nextInt(batch);
      spans[4 * s + 1] = random.nextInt(types);
      int i = random.nextInt(seq);
      spans[4 * s + 2] = i;
      spans[4 * s + 3] = i + random.nextInt(seq - i);
    }
    return spans;
  }

  @Test
  void lossAndGradientMatchTheFormula() {
    Random random = new Random(20);
    int batch = 5;
    int seq = 30;
    int types = 4;
    int cells = batch * types * seq * seq;
    float[] scores = uniform(random, cells, -12, 6);
    int[] spans = spans(random, batch, seq, types, 60);
    Slice d = put(kernels, uniform(random, cells));
    float scale = 0.3f;
    double loss = kernels.spanLoss(put(kernels, scores), spans, batch, seq, types, d, scale);
    double want = lossReference(doubles(scores), spans, batch, seq, types);
    assertEquals(want, loss, LOSS_TOLERANCE * want);
    double[] grad = gradient(x -> scale * lossReference(x, spans, batch, seq, types),
        doubles(scores));
    assertClose(grad, get(kernels, d, cells), 1e-6, "dScores");
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Random random = new Random(21);
    int types = 2;
    int cells = BATCH * types * SEQ * SEQ;
    float[] scores = uniform(random, cells, -3, 3);
    int[] spans = spans(random, BATCH, SEQ, types, 9);
    Slice d = zeros(kernels, cells);
    kernels.spanLoss(put(kernels, scores), spans, BATCH, SEQ, types, d, 1.5f);
    double[] want = gradient(x -> 1.5 * lossReference(x, spans, BATCH, SEQ, types),
        doubles(scores));
    assertGradient(want, get(kernels, d, cells), "dScores");
  }

  /** A span given twice is one target; the loss and gradient are those of the set. */
  @Test
  void aRepeatedSpanCountsOnce() {
    Random random = new Random(22);
    int cells = BATCH * SEQ * SEQ;
    float[] scores = uniform(random, cells, -3, 3);
    int[] once = {0, 0, 1, 3, 1, 0, 2, 2};
    int[] twice = {0, 0, 1, 3, 1, 0, 2, 2, 0, 0, 1, 3};
    Slice a = zeros(kernels, cells);
    Slice b = zeros(kernels, cells);
    double la = kernels.spanLoss(put(kernels, scores), once, BATCH, SEQ, 1, a, 1f);
    double lb = kernels.spanLoss(put(kernels, scores), twice, BATCH, SEQ, 1, b, 1f);
    assertEquals(la, lb);
    assertArrayEquals(get(kernels, a, cells), get(kernels, b, cells));
    assertEquals(lossReference(doubles(scores), once, BATCH, SEQ, 1), la, LOSS_TOLERANCE * la);
  }

  @Test
  void inPlaceGivesTheSameAsSeparate() {
    Random random = new Random(23);
    int types = 3;
    int cells = BATCH * types * SEQ * SEQ;
    float[] scores = uniform(random, cells, -5, 5);
    int[] spans = spans(random, BATCH, SEQ, types, 7);
    Slice separate = zeros(kernels, cells);
    double a = kernels.spanLoss(put(kernels, scores), spans, BATCH, SEQ, types, separate, 1f);
    Slice same = put(kernels, scores);
    double b = kernels.spanLoss(same, spans, BATCH, SEQ, types, same, 1f);
    assertEquals(a, b);
    assertArrayEquals(get(kernels, separate, cells), get(kernels, same, cells));
  }

  /**
   * Masked cells (−1e12) add nothing and get a zero gradient; scores of ±80 stay finite (e^80
   * overflows float, not the kernel's shifted sums).
   */
  @Test
  void maskedAndLargeScoresStayFinite() {
    int cells = BATCH * SEQ * SEQ;
    float[] scores = new float[cells];
    Arrays.fill(scores, Kernels.MASKED_SPAN);
    scores[3] = 80f;
    scores[10] = -80f;
    int[] spans = {0, 0, 1, 3};
    Slice d = zeros(kernels, cells);
    double loss = kernels.spanLoss(put(kernels, scores), spans, BATCH, SEQ, 1, d, 1f);
    assertEquals(80 + 80, loss, 1e-9);
    float[] got = get(kernels, d, cells);
    assertEquals(1f, got[3], 1e-6f);
    assertEquals(-1f, got[10], 1e-6f);
    for (int c = 0; c < cells; c++) {
      if (c != 3 && c != 10) {
        assertEquals(0f, got[c], "cell " + c);
      }
    }
  }

  @Test
  void aSpanOutsideTheGridIsRejectedNamingIt() {
    Slice s = zeros(kernels, BATCH * SEQ * SEQ);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kernels.spanLoss(s, new int[] {0, 0, 1, 2, 1, 0, 3, 7}, BATCH, SEQ, 1, s, 1f));
    assertTrue(e.getMessage().contains("spanLoss: span 1 (1, 0, 3, 7) has end 7 outside [0, 7)"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> kernels.spanLoss(s, new int[] {0, 0, 1}, BATCH, SEQ, 1, s, 1f));
    assertTrue(e.getMessage().contains("4 ints (b, t, i, j) per span, got 3 ints"),
        e.getMessage());
  }

  @Test
  void overlappingGridsAreRejected() {
    int cells = BATCH * SEQ * SEQ;
    Slice s = zeros(kernels, 2 * cells + 100);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kernels.spanMask(s, s.plus(cells + 10), s.plus(cells - 5), TOKENS, BATCH, SEQ, 1,
            true));
    assertTrue(e.getMessage().contains("spanMask: logits"), e.getMessage());
    assertTrue(e.getMessage().contains("overlaps scores"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> kernels.spanMask(s, null, s.plus(3), TOKENS, BATCH, SEQ, 1, true));
    assertTrue(e.getMessage().contains("overlaps scores"), e.getMessage());
  }
}
