package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.minus;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.UnfusedAttentionContract.maps;

import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NEZHA's relative position terms (relativeScores, relativeContext) and their backwards against the
 * documented sinusoid table in double and finite differences: every one adds to its output; the
 * distances clip at maxRelative (1, less than the sequence, more than it); an odd key size (a last
 * sine column without its cosine), keySize ≠ headSize (one table each); and a larger case on several
 * threads.
 */
public abstract class RelativePositionContract extends KernelsContract {
  /** Key size 5 is odd; head size 4. */
  private static final AttentionShape SMALL = new AttentionShape(2, 7, 2, 5, 4, 0.4f);

  /** R[p][d] of the documented table of {@code width} columns, in double. */
  static double table(int p, int d, int width) {
    double angle = p * Math.pow(10000.0, -(double) (d - d % 2) / width);
    return d % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
  }

  static int bucket(int i, int j, int maxRelative) {
    return Math.max(-maxRelative, Math.min(maxRelative, j - i)) + maxRelative;
  }

  /** The relative term of the scores: scale·q_{b,i,h}·R[bucket(i, j)], in double. */
  static double[] scoresTerm(AttentionShape s, int maxRelative, double[] q) {
    int n = s.seq();
    double[] out = new double[maps(s)];
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            int p = bucket(i, j, maxRelative);
            double dot = 0;
            for (int d = 0; d < s.keySize(); d++) {
              dot += q[(b * n + i) * s.qkWidth() + h * s.keySize() + d]
                  * table(p, d, s.keySize());
            }
            out[((b * s.heads() + h) * n + i) * n + j] = s.scale() * dot;
          }
        }
      }
    }
    return out;
  }

  /** The relative term of the context: Σ_j probs[b,h,i,j]·R[bucket(i, j)], in double. */
  static double[] contextTerm(AttentionShape s, int maxRelative, double[] probs) {
    int n = s.seq();
    double[] ctx = new double[s.batch() * n * s.vWidth()];
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            int p = bucket(i, j, maxRelative);
            double pij = probs[((b * s.heads() + h) * n + i) * n + j];
            for (int d = 0; d < s.headSize(); d++) {
              ctx[(b * n + i) * s.vWidth() + h * s.headSize() + d] +=
                  pij * table(p, d, s.headSize());
            }
          }
        }
      }
    }
    return ctx;
  }

  private static double[] plus(float[] a, double[] b) {
    double[] sum = doubles(a);
    for (int i = 0; i < sum.length; i++) {
      sum[i] += b[i];
    }
    return sum;
  }

  /** scores += the term (scores start random). */
  @ParameterizedTest(name = "maxRelative {0}")
  @ValueSource(ints = {1, 3, 10})
  void scoresAddTheTerm(int maxRelative) {
    AttentionShape s = SMALL;
    Random random = new Random(1);
    float[] q = uniform(random, s.batch() * s.seq() * s.qkWidth(), -2, 2);
    float[] before = uniform(random, maps(s));
    Slice scores = put(kernels, before);
    kernels.relativeScores(s, put(kernels, q), maxRelative, scores);
    assertClose(plus(before, scoresTerm(s, maxRelative, doubles(q))),
        get(kernels, scores, maps(s)), 1e-5, "scores");
  }

  /** dq += the gradient of Σ w ⊙ term (dq starts random). */
  @ParameterizedTest(name = "maxRelative {0}")
  @ValueSource(ints = {1, 3, 10})
  void scoresBackwardAddsTheGradient(int maxRelative) {
    AttentionShape s = SMALL;
    Random random = new Random(2);
    int count = s.batch() * s.seq() * s.qkWidth();
    float[] q = uniform(random, count, -2, 2);
    float[] w = uniform(random, maps(s));
    float[] before = uniform(random, count);
    Slice dq = put(kernels, before);
    kernels.relativeScoresBackward(s, put(kernels, w), maxRelative, dq);
    assertGradient(gradient(x -> KernelTesting.dot(w, scoresTerm(s, maxRelative, x)), doubles(q)),
        minus(get(kernels, dq, count), before), "dq (accumulated)");
  }

  /** ctx += the term (ctx starts random). */
  @ParameterizedTest(name = "maxRelative {0}")
  @ValueSource(ints = {1, 3, 10})
  void contextAddsTheTerm(int maxRelative) {
    AttentionShape s = SMALL;
    Random random = new Random(3);
    int count = s.batch() * s.seq() * s.vWidth();
    float[] probs = uniform(random, maps(s), 0, 1);
    float[] before = uniform(random, count);
    Slice ctx = put(kernels, before);
    kernels.relativeContext(s, put(kernels, probs), maxRelative, ctx);
    assertClose(plus(before, contextTerm(s, maxRelative, doubles(probs))),
        get(kernels, ctx, count), 1e-5, "ctx");
  }

  /** dProbs += the gradient of Σ w ⊙ term (dProbs starts random). */
  @ParameterizedTest(name = "maxRelative {0}")
  @ValueSource(ints = {1, 3, 10})
  void contextBackwardAddsTheGradient(int maxRelative) {
    AttentionShape s = SMALL;
    Random random = new Random(4);
    int count = s.batch() * s.seq() * s.vWidth();
    float[] probs = uniform(random, maps(s), 0, 1);
    float[] w = uniform(random, count);
    float[] before = uniform(random, maps(s));
    Slice dProbs = put(kernels, before);
    kernels.relativeContextBackward(s, put(kernels, w), maxRelative, dProbs);
    assertGradient(gradient(x -> KernelTesting.dot(w, contextTerm(s, maxRelative, x)),
        doubles(probs)), minus(get(kernels, dProbs, maps(s)), before), "dProbs (accumulated)");
  }

  /**
   * Enough pairs for every thread, NEZHA's sizes scaled down, and the two tables used in turn
   * (scores, context, scores again), each call still right.
   */
  @Test
  void largerCaseOnSeveralThreads() {
    AttentionShape s = new AttentionShape(3, 48, 4, 32, 16, 0.2f);
    int maxRelative = 20;
    Random random = new Random(5);
    float[] q = uniform(random, s.batch() * s.seq() * s.qkWidth(), -2, 2);
    float[] probs = uniform(random, maps(s), 0, 0.1);
    int count = s.batch() * s.seq() * s.vWidth();
    double[] wantScores = scoresTerm(s, maxRelative, doubles(q));
    for (int round = 0; round < 2; round++) {
      Slice scores = put(kernels, new float[maps(s)]);
      kernels.relativeScores(s, put(kernels, q), maxRelative, scores);
      assertClose(wantScores, get(kernels, scores, maps(s)), 1e-4, "scores, round " + round);
      if (round == 0) {
        Slice ctx = put(kernels, new float[count]);
        kernels.relativeContext(s, put(kernels, probs), maxRelative, ctx);
        assertClose(contextTerm(s, maxRelative, doubles(probs)), get(kernels, ctx, count), 1e-4,
            "ctx");
      }
    }
  }
}
