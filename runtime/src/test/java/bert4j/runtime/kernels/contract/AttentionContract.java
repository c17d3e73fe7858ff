package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertSampledGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * attention and attentionBackward against a naive double implementation: the three masks with
 * padding (left and right), rows with no allowed key, keySize ≠ headSize, dropout, and a larger case
 * that runs on several threads; stackedAttention and its backward against them.
 */
public abstract class AttentionContract extends KernelsContract {
  /** Sequence 0: left and right padding; 1: none; 2: all padding (shared by the unfused parts). */
  static final int[] TOKENS = {0, 0, 12, 13, 14, 0, 21, 22, 23, 24, 25, 26, 0, 0, 0, 0, 0, 0};
  static final int[] SEGMENTS = {0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  private static final AttentionShape SMALL = new AttentionShape(3, 6, 2, 3, 4,
      (float) (1 / Math.sqrt(3)));

  /** The documented dropout mask: keep iff (mix64(seed ^ i·golden) >>> 40)·2⁻²⁴ ≥ p. */
  public static boolean keep(long seed, long index, float p) {
    long z = seed ^ (index * 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (z >>> 40) * 0x1.0p-24f >= p;
  }

  static boolean allowed(Mask mask, int[] tokens, int[] segments, int seq, int b, int i, int j) {
    if (tokens[b * seq + j] == 0) {
      return false;
    }
    if (mask == Mask.LM) {
      return j <= i;
    }
    if (mask == Mask.UNILM) {
      int ci = 0;
      int cj = 0;
      for (int t = 0; t <= Math.max(i, j); t++) {
        ci += t <= i ? segments[b * seq + t] : 0;
        cj += t <= j ? segments[b * seq + t] : 0;
      }
      return cj <= ci;
    }
    return true;
  }

  static boolean fullyMasked(Mask mask, int[] tokens, int[] segments, int seq, int b, int i) {
    for (int j = 0; j < seq; j++) {
      if (allowed(mask, tokens, segments, seq, b, i, j)) {
        return false;
      }
    }
    return true;
  }

  /** ctx, and the (undropped) probabilities into {@code probsOut} when it is not null. */
  public static double[] attention(AttentionShape s, Mask mask, int[] tokens, int[] segments,
      double[] q, double[] k, double[] v, float p, long seed, double[] probsOut) {
    int n = s.seq();
    double[] ctx = new double[s.batch() * n * s.vWidth()];
    double[] row = new double[n];
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        for (int i = 0; i < n; i++) {
          boolean any = !fullyMasked(mask, tokens, segments, n, b, i);
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) {
            double dot = 0;
            for (int d = 0; d < s.keySize(); d++) {
              dot += q[(b * n + i) * s.qkWidth() + h * s.keySize() + d]
                  * k[(b * n + j) * s.qkWidth() + h * s.keySize() + d];
            }
            row[j] = s.scale() * dot;
            if (allowed(mask, tokens, segments, n, b, i, j)) {
              max = Math.max(max, row[j]);
            }
          }
          double sum = 0;
          for (int j = 0; j < n; j++) {
            row[j] = !any ? 1.0 / n
                : allowed(mask, tokens, segments, n, b, i, j) ? Math.exp(row[j] - max) : 0;
            sum += row[j];
          }
          long first = ((long) (b * s.heads() + h) * n + i) * n;
          for (int j = 0; j < n; j++) {
            row[j] /= sum;
            if (probsOut != null) {
              probsOut[(int) first + j] = row[j];
            }
            double pj = p == 0 ? row[j] : keep(seed, first + j, p) ? row[j] / (1 - p) : 0;
            for (int d = 0; d < s.headSize(); d++) {
              ctx[(b * n + i) * s.vWidth() + h * s.headSize() + d] +=
                  pj * v[(b * n + j) * s.vWidth() + h * s.headSize() + d];
            }
          }
        }
      }
    }
    return ctx;
  }

  @ParameterizedTest
  @CsvSource({"NONE, 0", "LM, 0", "UNILM, 0", "NONE, 0.3", "UNILM, 0.3"})
  void forwardMatchesNaive(Mask mask, float dropout) {
    Random random = new Random(1);
    AttentionShape s = SMALL;
    int tokens = s.batch() * s.seq();
    float[] q = uniform(random, tokens * s.qkWidth(), -2, 2);
    float[] k = uniform(random, tokens * s.qkWidth(), -2, 2);
    float[] v = uniform(random, tokens * s.vWidth());
    int probsSize = s.batch() * s.heads() * s.seq() * s.seq();
    Slice probs = zeros(kernels, probsSize);
    Slice ctx = zeros(kernels, tokens * s.vWidth());
    kernels.attention(s, mask, TOKENS, SEGMENTS, put(kernels, q), put(kernels, k), put(kernels, v),
        probs, ctx, dropout, 99);
    double[] wantProbs = new double[probsSize];
    double[] want = attention(s, mask, TOKENS, SEGMENTS, doubles(q), doubles(k), doubles(v),
        dropout, 99, wantProbs);
    float[] got = get(kernels, probs, probsSize);
    assertClose(wantProbs, got, 1e-6, "probs");
    assertClose(want, get(kernels, ctx, tokens * s.vWidth()), 1e-5, "ctx");
    int n = s.seq();
    int fullyMaskedRows = 0;
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        for (int i = 0; i < n; i++) {
          boolean none = fullyMasked(mask, TOKENS, SEGMENTS, n, b, i);
          fullyMaskedRows += none ? 1 : 0;
          for (int j = 0; j < n; j++) {
            float pij = got[((b * s.heads() + h) * n + i) * n + j];
            if (none) {
              assertEquals(1f / n, pij, "row without allowed keys is uniform");
            } else if (!allowed(mask, TOKENS, SEGMENTS, n, b, i, j)) {
              assertEquals(0f, pij, "masked probability must be exactly 0");
            }
          }
        }
      }
    }
    assertTrue(fullyMaskedRows > 0, "the ids must produce rows without any allowed key");
  }

  /**
   * Gradients of Σ w ⊙ ctx for q, k, v. The objective's weights are zero on query rows with no
   * allowed key: there the forward is the constant 1/seq while the backward, like TensorFlow on
   * bert4keras's additive mask, differentiates a softmax of equal logits; such rows are padding
   * queries whose loss gradient is zero in practice.
   */
  @ParameterizedTest
  @CsvSource({"NONE, 0", "LM, 0", "UNILM, 0", "LM, 0.3", "UNILM, 0.3"})
  void backwardMatchesFiniteDifferences(Mask mask, float dropout) {
    backward(SMALL, mask, dropout, new Random(2), TOKENS, SEGMENTS, Integer.MAX_VALUE);
  }

  /** Enough (batch, head) pairs to run on every thread; finite differences at sampled entries. */
  @Test
  void largerCaseOnSeveralThreads() {
    AttentionShape s = new AttentionShape(4, 33, 3, 8, 5, 0.3f);
    Random random = new Random(3);
    int[] tokens = new int[s.batch() * s.seq()];
    int[] segments = new int[tokens.length];
    for (int b = 0; b < s.batch(); b++) {
      int length = s.seq() - 7 * b;
      for (int i = 0; i < length; i++) {
        tokens[b * s.seq() + i] = 1 + random.nextInt(100);
        segments[b * s.seq() + i] = i >= length / 2 ? 1 : 0;
      }
    }
    backward(s, Mask.UNILM, 0.1f, random, tokens, segments, 60);
  }

  /**
   * stackedAttention on q | k | v side by side in one tensor gives the bits attention gives on q, k
   * and v apart (checked against the naive attention and finite differences above), forward and
   * backward; its backward overwrites the whole of dQkv.
   */
  @ParameterizedTest
  @CsvSource({"NONE, 0", "UNILM, 0.3", "LM, 0.1"})
  void stackedMatchesSeparate(Mask mask, float dropout) {
    stacked(SMALL, mask, dropout, new Random(4), TOKENS, SEGMENTS);
    AttentionShape wide = new AttentionShape(4, 33, 3, 8, 5, 0.3f);
    Random random = new Random(5);
    int[] tokens = new int[wide.batch() * wide.seq()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = i % wide.seq() < wide.seq() - 5 * (i / wide.seq()) ? 1 + random.nextInt(50) : 0;
    }
    stacked(wide, mask, dropout, random, tokens, new int[tokens.length]);
  }

  private void stacked(AttentionShape s, Mask mask, float dropout, Random random, int[] tokens,
      int[] segments) {
    int count = s.batch() * s.seq();
    int qk = s.qkWidth();
    int width = s.qkvWidth();
    float[] qkv = uniform(random, count * width, -2, 2);
    float[] q = new float[count * qk];
    float[] k = new float[count * qk];
    float[] v = new float[count * s.vWidth()];
    for (int r = 0; r < count; r++) {
      System.arraycopy(qkv, r * width, q, r * qk, qk);
      System.arraycopy(qkv, r * width + qk, k, r * qk, qk);
      System.arraycopy(qkv, r * width + 2 * qk, v, r * s.vWidth(), s.vWidth());
    }
    int probsSize = s.batch() * s.heads() * s.seq() * s.seq();
    Slice qs = put(kernels, q);
    Slice ks = put(kernels, k);
    Slice vs = put(kernels, v);
    Slice qkvs = put(kernels, qkv);
    Slice probs = zeros(kernels, probsSize);
    Slice ctx = zeros(kernels, count * s.vWidth());
    Slice stackedProbs = zeros(kernels, probsSize);
    Slice stackedCtx = zeros(kernels, count * s.vWidth());
    kernels.attention(s, mask, tokens, segments, qs, ks, vs, probs, ctx, dropout, 7);
    kernels.stackedAttention(s, mask, tokens, segments, qkvs, stackedProbs, stackedCtx, dropout, 7);
    assertArrayEquals(get(kernels, probs, probsSize), get(kernels, stackedProbs, probsSize),
        "stacked probs");
    assertArrayEquals(get(kernels, ctx, count * s.vWidth()),
        get(kernels, stackedCtx, count * s.vWidth()), "stacked ctx");

    Slice dCtx = put(kernels, uniform(random, count * s.vWidth()));
    Slice dq = zeros(kernels, q.length);
    Slice dk = zeros(kernels, k.length);
    Slice dv = zeros(kernels, v.length);
    Slice dQkv = put(kernels, uniform(random, qkv.length, 50, 60));
    kernels.attentionBackward(s, mask, tokens, segments, qs, ks, vs, probs, dCtx, dq, dk, dv,
        dropout, 7);
    kernels.stackedAttentionBackward(s, mask, tokens, segments, qkvs, stackedProbs, dCtx, dQkv,
        dropout, 7);
    float[] want = new float[qkv.length];
    float[] gq = get(kernels, dq, q.length);
    float[] gk = get(kernels, dk, k.length);
    float[] gv = get(kernels, dv, v.length);
    for (int r = 0; r < count; r++) {
      System.arraycopy(gq, r * qk, want, r * width, qk);
      System.arraycopy(gk, r * qk, want, r * width + qk, qk);
      System.arraycopy(gv, r * s.vWidth(), want, r * width + 2 * qk, s.vWidth());
    }
    assertArrayEquals(want, get(kernels, dQkv, qkv.length), "stacked dQkv");
  }

  private void backward(AttentionShape s, Mask mask, float dropout, Random random, int[] tokens,
      int[] segments, int samples) {
    int count = s.batch() * s.seq();
    float[] q = uniform(random, count * s.qkWidth(), -2, 2);
    float[] k = uniform(random, count * s.qkWidth(), -2, 2);
    float[] v = uniform(random, count * s.vWidth());
    float[] w = uniform(random, count * s.vWidth());
    for (int b = 0; b < s.batch(); b++) {
      for (int i = 0; i < s.seq(); i++) {
        if (fullyMasked(mask, tokens, segments, s.seq(), b, i)) {
          java.util.Arrays.fill(w, (b * s.seq() + i) * s.vWidth(),
              (b * s.seq() + i + 1) * s.vWidth(), 0f);
        }
      }
    }
    Slice qs = put(kernels, q);
    Slice ks = put(kernels, k);
    Slice vs = put(kernels, v);
    int probsSize = s.batch() * s.heads() * s.seq() * s.seq();
    Slice probs = zeros(kernels, probsSize);
    Slice ctx = zeros(kernels, count * s.vWidth());
    long seed = 1234;
    kernels.attention(s, mask, tokens, segments, qs, ks, vs, probs, ctx, dropout, seed);
    double[] wantCtx = attention(s, mask, tokens, segments, doubles(q), doubles(k), doubles(v),
        dropout, seed, null);
    assertClose(wantCtx, get(kernels, ctx, count * s.vWidth()), 1e-5, "ctx");
    Slice dq = put(kernels, uniform(random, q.length));
    Slice dk = put(kernels, uniform(random, k.length));
    Slice dv = put(kernels, uniform(random, v.length));
    kernels.attentionBackward(s, mask, tokens, segments, qs, ks, vs, probs, put(kernels, w), dq, dk,
        dv, dropout, seed);

    double[] qd = doubles(q);
    double[] kd = doubles(k);
    double[] vd = doubles(v);
    KernelTesting.Objective fq = x -> KernelTesting.dot(w, attention(s, mask, tokens, segments, x, kd,
        vd, dropout, seed, null));
    KernelTesting.Objective fk = x -> KernelTesting.dot(w, attention(s, mask, tokens, segments, qd, x,
        vd, dropout, seed, null));
    KernelTesting.Objective fv = x -> KernelTesting.dot(w, attention(s, mask, tokens, segments, qd, kd,
        x, dropout, seed, null));
    assertSampledGradient(fq, qd, get(kernels, dq, q.length), samples, random, "dq");
    assertSampledGradient(fk, kd, get(kernels, dk, k.length), samples, random, "dk");
    assertSampledGradient(fv, vd, get(kernels, dv, v.length), samples, random, "dv");
  }
}
