package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.minus;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.relativeError;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.UnfusedAttentionContract.maps;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * mixHeads (talking heads) and its backward against the naive mix in double and finite differences:
 * out and dx overwritten, dw accumulated; and a larger case (12 heads, 100² maps) on several threads,
 * its gradients against the closed form dx = wᵀ·dOut, dw = Σ dOut·xᵀ.
 */
public abstract class TalkingHeadsContract extends KernelsContract {
  private static final AttentionShape SMALL = new AttentionShape(2, 5, 3, 1, 1, 1f);

  /** out[b,g,i,j] = Σ_h w[g][h]·x[b,h,i,j], in double. */
  static double[] mix(AttentionShape s, double[] x, double[] w) {
    int heads = s.heads();
    int area = s.seq() * s.seq();
    double[] out = new double[maps(s)];
    for (int b = 0; b < s.batch(); b++) {
      for (int g = 0; g < heads; g++) {
        for (int h = 0; h < heads; h++) {
          double wgh = w[g * heads + h];
          for (int e = 0; e < area; e++) {
            out[(b * heads + g) * area + e] += wgh * x[(b * heads + h) * area + e];
          }
        }
      }
    }
    return out;
  }

  @Test
  void forwardMatchesNaive() {
    AttentionShape s = SMALL;
    Random random = new Random(1);
    float[] x = uniform(random, maps(s), -2, 2);
    float[] w = uniform(random, s.heads() * s.heads());
    Slice out = put(kernels, uniform(random, maps(s)));
    kernels.mixHeads(s, put(kernels, x), put(kernels, w), out);
    assertClose(mix(s, doubles(x), doubles(w)), get(kernels, out, maps(s)), 1e-6, "out");
  }

  /** dx (starting with garbage) is overwritten, dw (starting random) accumulates. */
  @Test
  void backwardMatchesFiniteDifferences() {
    AttentionShape s = SMALL;
    Random random = new Random(2);
    int weights = s.heads() * s.heads();
    float[] x = uniform(random, maps(s), -2, 2);
    float[] w = uniform(random, weights);
    float[] dOut = uniform(random, maps(s));
    float[] dwBefore = uniform(random, weights);
    Slice dx = put(kernels, uniform(random, maps(s)));
    Slice dw = put(kernels, dwBefore);
    kernels.mixHeadsBackward(s, put(kernels, x), put(kernels, w), put(kernels, dOut), dx, dw);
    double[] xd = doubles(x);
    double[] wd = doubles(w);
    assertGradient(gradient(v -> KernelTesting.dot(dOut, mix(s, v, wd)), xd),
        get(kernels, dx, maps(s)), "dx");
    assertGradient(gradient(v -> KernelTesting.dot(dOut, mix(s, xd, v)), wd),
        minus(get(kernels, dw, weights), dwBefore), "dw (accumulated)");
  }

  /** Maps of 100² (more than one block of columns on the CPU) for 3 sequences of 12 heads. */
  @Test
  void largerCaseOnSeveralThreads() {
    AttentionShape s = new AttentionShape(3, 100, 12, 1, 1, 1f);
    int heads = s.heads();
    int area = s.seq() * s.seq();
    Random random = new Random(3);
    float[] x = uniform(random, maps(s), -2, 2);
    float[] w = uniform(random, heads * heads);
    float[] dOut = uniform(random, maps(s));
    Slice xs = put(kernels, x);
    Slice ws = put(kernels, w);
    Slice out = put(kernels, new float[maps(s)]);
    kernels.mixHeads(s, xs, ws, out);
    assertClose(mix(s, doubles(x), doubles(w)), get(kernels, out, maps(s)), 1e-5, "out");

    Slice dx = put(kernels, new float[maps(s)]);
    Slice dw = put(kernels, new float[heads * heads]);
    kernels.mixHeadsBackward(s, xs, ws, put(kernels, dOut), dx, dw);
    double[] wantDx = new double[maps(s)];
    double[] wantDw = new double[heads * heads];
    for (int b = 0; b < s.batch(); b++) {
      for (int g = 0; g < heads; g++) {
        for (int h = 0; h < heads; h++) {
          for (int e = 0; e < area; e++) {
            double d = dOut[(b * heads + g) * area + e];
            wantDx[(b * heads + h) * area + e] += w[g * heads + h] * d;
            wantDw[g * heads + h] += d * x[(b * heads + h) * area + e];
          }
        }
      }
    }
    assertClose(wantDx, get(kernels, dx, maps(s)), 1e-5, "dx");
    double error = relativeError(wantDw, get(kernels, dw, heads * heads));
    assertTrue(error < 1e-5, "dw: relative error " + error + ", sums of 30000 products");
  }
}
