package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.AttentionContract.SEGMENTS;
import static bert4j.runtime.kernels.contract.AttentionContract.TOKENS;
import static bert4j.runtime.kernels.contract.AttentionContract.allowed;
import static bert4j.runtime.kernels.contract.AttentionContract.fullyMasked;
import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.assertSampledGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static bert4j.runtime.kernels.contract.UnfusedAttentionContract.maps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * attentionNormalize and its backward against a naive double reference and finite differences, for
 * every normalization under every mask, with left and right padding, queries with no allowed key and
 * a sequence of padding only; in place (probs = scores, dScores = dProbs); and a larger case on
 * several threads whose sequences hold fewer and more than 16 keys (SOFTMAX_PLUS's floor).
 */
public abstract class AttentionNormalizationContract extends KernelsContract {
  private static final AttentionShape SMALL = new AttentionShape(3, 6, 2, 1, 1, 1f);
  private static final String EVERY_CASE = """
      NONE, SOFTMAX
      LM, SOFTMAX
      UNILM, SOFTMAX
      NONE, SQUARED_RELU
      LM, SQUARED_RELU
      UNILM, SQUARED_RELU
      NONE, SOFTMAX_PLUS
      LM, SOFTMAX_PLUS
      UNILM, SOFTMAX_PLUS
      """;

  /** The non-padding keys of sequence b. */
  static int keys(int[] tokens, int seq, int b) {
    int n = 0;
    for (int j = 0; j < seq; j++) {
      n += tokens[b * seq + j] != 0 ? 1 : 0;
    }
    return n;
  }

  /** The documented normalization of every row, in double. */
  static double[] normalize(AttentionShape s, Mask mask, Normalization normalization,
      int[] tokens, int[] segments, double[] scores) {
    int n = s.seq();
    boolean[][][] allowed = new boolean[s.batch()][n][n];
    boolean[][] none = new boolean[s.batch()][n];
    for (int b = 0; b < s.batch(); b++) {
      for (int i = 0; i < n; i++) {
        none[b][i] = true;
        for (int j = 0; j < n; j++) {
          allowed[b][i][j] = allowed(mask, tokens, segments, n, b, i, j);
          none[b][i] &= !allowed[b][i][j];
        }
      }
    }
    double[] out = new double[scores.length];
    for (int b = 0; b < s.batch(); b++) {
      int keys = keys(tokens, n, b);
      double factor = normalization == Normalization.SOFTMAX_PLUS
          ? Math.log(Math.max(keys, 16)) / Math.log(512) : 1;
      for (int h = 0; h < s.heads(); h++) {
        for (int i = 0; i < n; i++) {
          int row = ((b * s.heads() + h) * n + i) * n;
          boolean[] keep = allowed[b][i];
          if (normalization == Normalization.SQUARED_RELU) {
            for (int j = 0; j < n; j++) {
              double r = Math.max(scores[row + j], 0);
              out[row + j] = keys > 0 && keep[j] ? r * r / keys : 0;
            }
          } else if (none[b][i]) {
            Arrays.fill(out, row, row + n, 1.0 / n);
          } else {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
              max = keep[j] ? Math.max(max, factor * scores[row + j]) : max;
            }
            double sum = 0;
            for (int j = 0; j < n; j++) {
              out[row + j] = keep[j] ? Math.exp(factor * scores[row + j] - max) : 0;
              sum += out[row + j];
            }
            for (int j = 0; j < n; j++) {
              out[row + j] /= sum;
            }
          }
        }
      }
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource(textBlock = EVERY_CASE)
  void forwardMatchesNaive(Mask mask, Normalization normalization) {
    AttentionShape s = SMALL;
    float[] scores = uniform(new Random(1), maps(s), -3, 3);
    Slice probs = put(kernels, uniform(new Random(2), maps(s)));
    kernels.attentionNormalize(s, mask, normalization, TOKENS, SEGMENTS, put(kernels, scores),
        probs);
    float[] got = get(kernels, probs, maps(s));
    assertClose(normalize(s, mask, normalization, TOKENS, SEGMENTS, doubles(scores)), got, 1e-6,
        "probs");
    int n = s.seq();
    int uniformRows = 0;
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        for (int i = 0; i < n; i++) {
          boolean none = fullyMasked(mask, TOKENS, SEGMENTS, n, b, i);
          boolean softmax = normalization != Normalization.SQUARED_RELU;
          uniformRows += none && softmax ? 1 : 0;
          for (int j = 0; j < n; j++) {
            float p = got[((b * s.heads() + h) * n + i) * n + j];
            if (none && softmax) {
              assertEquals(1f / n, p, "a row without allowed keys is uniform");
            } else if (!allowed(mask, TOKENS, SEGMENTS, n, b, i, j)) {
              assertEquals(0f, p, "a masked weight must be exactly 0");
            }
          }
        }
      }
    }
    assertTrue(normalization == Normalization.SQUARED_RELU || uniformRows > 0,
        "the ids must produce rows without any allowed key");
  }

  /**
   * The gradient of Σ w ⊙ probs. Rows without an allowed key are constant (uniform, or 0 for
   * SQUARED_RELU), so their finite differences are 0, as the documented backward. dScores starts
   * with garbage: it is overwritten.
   */
  @ParameterizedTest
  @CsvSource(textBlock = EVERY_CASE)
  void backwardMatchesFiniteDifferences(Mask mask, Normalization normalization) {
    AttentionShape s = SMALL;
    Random random = new Random(3);
    float[] scores = uniform(random, maps(s), -3, 3);
    float[] w = uniform(random, maps(s));
    Slice scoresSlice = put(kernels, scores);
    Slice probs = zeros(kernels, maps(s));
    kernels.attentionNormalize(s, mask, normalization, TOKENS, SEGMENTS, scoresSlice, probs);
    Slice dScores = put(kernels, uniform(random, maps(s)));
    kernels.attentionNormalizeBackward(s, mask, normalization, TOKENS, SEGMENTS, scoresSlice,
        probs, put(kernels, w), dScores);
    double[] want = gradient(x -> KernelTesting.dot(w, normalize(s, mask, normalization, TOKENS,
        SEGMENTS, x)), doubles(scores));
    assertGradient(want, get(kernels, dScores, maps(s)), "dScores");
  }

  /** probs may be scores, dScores may be dProbs; the softmax kinds need no scores backward. */
  @ParameterizedTest
  @EnumSource(Normalization.class)
  void inPlaceGivesTheSameAsSeparate(Normalization normalization) {
    AttentionShape s = SMALL;
    Random random = new Random(4);
    float[] scores = uniform(random, maps(s), -3, 3);
    float[] dProbs = uniform(random, maps(s));
    Slice scoresSlice = put(kernels, scores);
    Slice probs = zeros(kernels, maps(s));
    kernels.attentionNormalize(s, Mask.UNILM, normalization, TOKENS, SEGMENTS, scoresSlice, probs);
    Slice dScores = zeros(kernels, maps(s));
    kernels.attentionNormalizeBackward(s, Mask.UNILM, normalization, TOKENS, SEGMENTS,
        scoresSlice, probs, put(kernels, dProbs), dScores);

    Slice same = put(kernels, scores);
    kernels.attentionNormalize(s, Mask.UNILM, normalization, TOKENS, SEGMENTS, same, same);
    assertArrayEquals(get(kernels, probs, maps(s)), get(kernels, same, maps(s)), "probs");
    Slice sameGrad = put(kernels, dProbs);
    boolean needsScores = normalization == Normalization.SQUARED_RELU;
    kernels.attentionNormalizeBackward(s, Mask.UNILM, normalization, TOKENS, SEGMENTS,
        needsScores ? scoresSlice : null, same, sameGrad, sameGrad);
    assertArrayEquals(get(kernels, dScores, maps(s)), get(kernels, sameGrad, maps(s)), "dScores");
  }

  /** Sequences of 37, 29, 21 and 13 keys: SOFTMAX_PLUS scales the first three and floors the last. */
  @ParameterizedTest
  @EnumSource(Normalization.class)
  void largerCaseOnSeveralThreads(Normalization normalization) {
    AttentionShape s = new AttentionShape(4, 40, 3, 1, 1, 1f);
    Random random = new Random(5);
    int[] tokens = new int[s.batch() * s.seq()];
    int[] segments = new int[tokens.length];
    for (int b = 0; b < s.batch(); b++) {
      int length = 37 - 8 * b;
      for (int i = 0; i < length; i++) {
        tokens[b * s.seq() + i] = 1 + random.nextInt(100);
        segments[b * s.seq() + i] = i >= length / 2 ? 1 : 0;
      }
    }
    float[] scores = uniform(random, maps(s), -4, 4);
    float[] w = uniform(random, maps(s));
    Slice scoresSlice = put(kernels, scores);
    Slice probs = zeros(kernels, maps(s));
    kernels.attentionNormalize(s, Mask.UNILM, normalization, tokens, segments, scoresSlice, probs);
    assertClose(normalize(s, Mask.UNILM, normalization, tokens, segments, doubles(scores)),
        get(kernels, probs, maps(s)), 1e-6, "probs");
    Slice dScores = zeros(kernels, maps(s));
    kernels.attentionNormalizeBackward(s, Mask.UNILM, normalization, tokens, segments, scoresSlice,
        probs, put(kernels, w), dScores);
    assertSampledGradient(x -> KernelTesting.dot(w, normalize(s, Mask.UNILM, normalization,
        tokens, segments, x)), doubles(scores), get(kernels, dScores, maps(s)), 200, random,
        "dScores");
  }
}
