package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;

import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * attentionScores and attentionContext (the unfused attention's two products) and their backwards
 * against naive double references and finite differences, keySize ≠ headSize, on several threads;
 * and the unfused chain scores → attentionNormalize(SOFTMAX) → context, forward and backward, equal
 * to the fused attention without dropout under every mask.
 */
public abstract class UnfusedAttentionContract extends KernelsContract {
  private static final AttentionShape SMALL = new AttentionShape(2, 5, 3, 4, 3, 0.45f);
  /** Enough (batch, head) pairs and work to run on every thread. */
  private static final AttentionShape LARGE = new AttentionShape(3, 40, 4, 16, 8, 0.25f);

  static int maps(AttentionShape s) {
    return s.batch() * s.heads() * s.seq() * s.seq();
  }

  /** scores[b,h,i,j] = scale·q_{b,i,h}·k_{b,j,h}, in double. */
  static double[] scores(AttentionShape s, double[] q, double[] k) {
    int n = s.seq();
    double[] out = new double[maps(s)];
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double dot = 0;
            for (int d = 0; d < s.keySize(); d++) {
              dot += q[(b * n + i) * s.qkWidth() + h * s.keySize() + d]
                  * k[(b * n + j) * s.qkWidth() + h * s.keySize() + d];
            }
            out[((b * s.heads() + h) * n + i) * n + j] = s.scale() * dot;
          }
        }
      }
    }
    return out;
  }

  /** ctx_{b,i,h} = Σ_j probs[b,h,i,j]·v_{b,j,h}, in double. */
  static double[] context(AttentionShape s, double[] probs, double[] v) {
    int n = s.seq();
    double[] ctx = new double[s.batch() * n * s.vWidth()];
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double p = probs[((b * s.heads() + h) * n + i) * n + j];
            for (int d = 0; d < s.headSize(); d++) {
              ctx[(b * n + i) * s.vWidth() + h * s.headSize() + d] +=
                  p * v[(b * n + j) * s.vWidth() + h * s.headSize() + d];
            }
          }
        }
      }
    }
    return ctx;
  }

  @Test
  void scoresMatchNaive() {
    for (AttentionShape s : new AttentionShape[] {SMALL, LARGE}) {
      Random random = new Random(1);
      int tokens = s.batch() * s.seq();
      float[] q = uniform(random, tokens * s.qkWidth(), -2, 2);
      float[] k = uniform(random, tokens * s.qkWidth(), -2, 2);
      Slice scores = put(kernels, uniform(random, maps(s)));
      kernels.attentionScores(s, put(kernels, q), put(kernels, k), scores);
      assertClose(scores(s, doubles(q), doubles(k)), get(kernels, scores, maps(s)), 1e-5,
          "scores " + s);
    }
  }

  /** dq and dk are overwritten: they start with garbage. */
  @Test
  void scoresBackwardMatchesFiniteDifferences() {
    AttentionShape s = SMALL;
    Random random = new Random(2);
    int count = s.batch() * s.seq() * s.qkWidth();
    float[] q = uniform(random, count, -2, 2);
    float[] k = uniform(random, count, -2, 2);
    float[] w = uniform(random, maps(s));
    Slice dq = put(kernels, uniform(random, count));
    Slice dk = put(kernels, uniform(random, count));
    kernels.attentionScoresBackward(s, put(kernels, q), put(kernels, k), put(kernels, w), dq, dk);
    double[] qd = doubles(q);
    double[] kd = doubles(k);
    assertGradient(gradient(x -> KernelTesting.dot(w, scores(s, x, kd)), qd),
        get(kernels, dq, count), "dq");
    assertGradient(gradient(x -> KernelTesting.dot(w, scores(s, qd, x)), kd),
        get(kernels, dk, count), "dk");
  }

  @Test
  void contextMatchesNaive() {
    for (AttentionShape s : new AttentionShape[] {SMALL, LARGE}) {
      Random random = new Random(3);
      float[] probs = uniform(random, maps(s), 0, 1);
      float[] v = uniform(random, s.batch() * s.seq() * s.vWidth());
      int count = s.batch() * s.seq() * s.vWidth();
      Slice ctx = put(kernels, uniform(random, count));
      kernels.attentionContext(s, put(kernels, probs), put(kernels, v), ctx);
      assertClose(context(s, doubles(probs), doubles(v)), get(kernels, ctx, count), 1e-5,
          "ctx " + s);
    }
  }

  /** dProbs and dv are overwritten: they start with garbage. */
  @Test
  void contextBackwardMatchesFiniteDifferences() {
    AttentionShape s = SMALL;
    Random random = new Random(4);
    int count = s.batch() * s.seq() * s.vWidth();
    float[] probs = uniform(random, maps(s), 0, 1);
    float[] v = uniform(random, count);
    float[] w = uniform(random, count);
    Slice dProbs = put(kernels, uniform(random, maps(s)));
    Slice dv = put(kernels, uniform(random, count));
    kernels.attentionContextBackward(s, put(kernels, probs), put(kernels, v), put(kernels, w),
        dProbs, dv);
    double[] pd = doubles(probs);
    double[] vd = doubles(v);
    assertGradient(gradient(x -> KernelTesting.dot(w, context(s, x, vd)), pd),
        get(kernels, dProbs, maps(s)), "dProbs");
    assertGradient(gradient(x -> KernelTesting.dot(w, context(s, pd, x)), vd),
        get(kernels, dv, count), "dv");
  }

  /**
   * scores → attentionNormalize(SOFTMAX) → context gives the fused attention's probs and ctx, and
   * the backward chain its dq, dk and dv, padding, rows without an allowed key and all.
   */
  @ParameterizedTest
  @EnumSource(Mask.class)
  void softmaxChainIsTheFusedAttention(Mask mask) {
    AttentionShape s = new AttentionShape(3, 6, 2, 3, 4, (float) (1 / Math.sqrt(3)));
    int[] tokens = AttentionContract.TOKENS;
    int[] segments = AttentionContract.SEGMENTS;
    Random random = new Random(5);
    int qkCount = s.batch() * s.seq() * s.qkWidth();
    int vCount = s.batch() * s.seq() * s.vWidth();
    Slice q = put(kernels, uniform(random, qkCount, -2, 2));
    Slice k = put(kernels, uniform(random, qkCount, -2, 2));
    Slice v = put(kernels, uniform(random, vCount));
    Slice dCtx = put(kernels, uniform(random, vCount));

    Slice fusedProbs = zeros(kernels, maps(s));
    Slice fusedCtx = zeros(kernels, vCount);
    kernels.attention(s, mask, tokens, segments, q, k, v, fusedProbs, fusedCtx, 0f, 0);
    Slice dq = zeros(kernels, qkCount);
    Slice dk = zeros(kernels, qkCount);
    Slice dv = zeros(kernels, vCount);
    kernels.attentionBackward(s, mask, tokens, segments, q, k, v, fusedProbs, dCtx, dq, dk, dv, 0f,
        0);

    Slice scores = zeros(kernels, maps(s));
    Slice probs = zeros(kernels, maps(s));
    Slice ctx = zeros(kernels, vCount);
    kernels.attentionScores(s, q, k, scores);
    kernels.attentionNormalize(s, mask, Normalization.SOFTMAX, tokens, segments, scores, probs);
    kernels.attentionContext(s, probs, v, ctx);
    Slice dProbs = zeros(kernels, maps(s));
    Slice chainDv = zeros(kernels, vCount);
    kernels.attentionContextBackward(s, probs, v, dCtx, dProbs, chainDv);
    kernels.attentionNormalizeBackward(s, mask, Normalization.SOFTMAX, tokens, segments, scores,
        probs, dProbs, dProbs);
    Slice chainDq = zeros(kernels, qkCount);
    Slice chainDk = zeros(kernels, qkCount);
    kernels.attentionScoresBackward(s, q, k, dProbs, chainDq, chainDk);

    assertClose(doubles(get(kernels, fusedProbs, maps(s))), get(kernels, probs, maps(s)), 1e-6,
        "probs");
    assertClose(doubles(get(kernels, fusedCtx, vCount)), get(kernels, ctx, vCount), 1e-6, "ctx");
    assertClose(doubles(get(kernels, dq, qkCount)), get(kernels, chainDq, qkCount), 1e-5, "dq");
    assertClose(doubles(get(kernels, dk, qkCount)), get(kernels, chainDk, qkCount), 1e-5, "dk");
    assertClose(doubles(get(kernels, dv, vCount)), get(kernels, chainDv, vCount), 1e-5, "dv");
  }
}
