package bert4j.cuda;

import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.kernels.contract.AttentionContract;
import bert4j.runtime.kernels.contract.KernelTesting;
import bert4j.runtime.kernels.contract.KernelsContract;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernels on the shapes the contract's small cases leave out, against naive references in
 * double precision: both gemm tile sizes and all three layouts on odd sizes and strides (128 × 128
 * tiles need more blocks than the GPU has SMs, hence the 2048 × 1152 case), head sizes up to 128
 * over several key tiles with every mask and dropout, wide layer norms, and a vocabulary-sized
 * softmax. Errors are relative, over the whole tensor; matrix products must agree to
 * {@link #tolerance()}.
 */
public abstract class LargeShapesContract extends KernelsContract {
  /** The relative error allowed for matrix products: 1e-5 in float32. */
  protected double tolerance() {
    return 1e-5;
  }

  private static void assertRelative(double[] want, float[] got, double tolerance, String what) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < want.length; i++) {
      num += (got[i] - want[i]) * (got[i] - want[i]);
      den += want[i] * want[i];
    }
    double error = Math.sqrt(num / Math.max(den, 1e-30));
    assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
  }

  private static double gelu(double x) {
    return 0.5 * x * (1 + KernelTesting.erf(x / Math.sqrt(2)));
  }

  @ParameterizedTest
  @CsvSource({"1, 7, 5, 7", "37, 33, 65, 40", "300, 130, 260, 130", "513, 64, 1030, 70",
      "2048, 48, 1152, 48"})
  void linearForwardAndBackward(int rows, int in, int out, int stride) {
    Random random = new Random(rows);
    float[] x = uniform(random, (rows - 1) * stride + in);
    float[] w = uniform(random, out * in);
    float[] b = uniform(random, out);
    Slice xs = put(kernels, x);
    Slice ws = put(kernels, w);
    Slice pre = zeros(kernels, rows * out);
    Slice act = zeros(kernels, rows * out);
    kernels.linear(xs, stride, ws, put(kernels, b), bert4j.dsl.Activation.GELU, pre, act, rows, in,
        out);
    double[] wantPre = new double[rows * out];
    double[] wantAct = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = b[o];
        for (int i = 0; i < in; i++) {
          s += (double) x[r * stride + i] * w[o * in + i];
        }
        wantPre[r * out + o] = s;
        wantAct[r * out + o] = gelu(s);
      }
    }
    assertRelative(wantPre, get(kernels, pre, rows * out), tolerance(), "pre");
    assertRelative(wantAct, get(kernels, act, rows * out), tolerance(), "out");

    float[] dPre = uniform(random, rows * out);
    float[] dx0 = uniform(random, x.length);
    float[] dw0 = uniform(random, out * in);
    float[] db0 = uniform(random, out);
    Slice dx = put(kernels, dx0);
    Slice dw = put(kernels, dw0);
    Slice db = put(kernels, db0);
    kernels.linearBackward(put(kernels, dPre), xs, stride, ws, dx, stride, true, dw, db, true, rows,
        in, out);
    double[] wantDx = doubles(dx0);
    double[] wantDw = doubles(dw0);
    double[] wantDb = doubles(db0);
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double g = dPre[r * out + o];
        wantDb[o] += g;
        for (int i = 0; i < in; i++) {
          wantDx[r * stride + i] += g * w[o * in + i];
          wantDw[o * in + i] += g * x[r * stride + i];
        }
      }
    }
    assertRelative(wantDx, get(kernels, dx, x.length), tolerance(), "dx (accumulated)");
    assertRelative(wantDw, get(kernels, dw, out * in), tolerance(), "dw");
    assertRelative(wantDb, get(kernels, db, out), 1e-5, "dBias");
  }

  @ParameterizedTest
  @CsvSource({"64, 64, 70, NONE, 0", "64, 64, 129, UNILM, 0.1", "80, 96, 45, LM, 0.1",
      "128, 128, 70, UNILM, 0", "128, 128, 33, LM, 0.2", "3, 5, 1, NONE, 0"})
  void attentionForwardAndBackward(int keySize, int headSize, int seq, Mask mask, float dropout) {
    AttentionShape s = new AttentionShape(3, seq, 2, keySize, headSize, 0.125f);
    Random random = new Random(seq);
    int tokens = s.batch() * seq;
    int[] ids = new int[tokens];
    int[] segments = new int[tokens];
    for (int b = 0; b < s.batch(); b++) {
      int length = b == 2 ? 0 : seq - b * seq / 3;
      for (int i = 0; i < length; i++) {
        ids[b * seq + i] = 1 + random.nextInt(50);
        segments[b * seq + i] = i >= length / 2 ? 1 : 0;
      }
    }
    float[] q = uniform(random, tokens * s.qkWidth(), -2, 2);
    float[] k = uniform(random, tokens * s.qkWidth(), -2, 2);
    float[] v = uniform(random, tokens * s.vWidth());
    float[] dCtx = uniform(random, tokens * s.vWidth());
    Slice qs = put(kernels, q);
    Slice ks = put(kernels, k);
    Slice vs = put(kernels, v);
    int probsSize = s.batch() * s.heads() * seq * seq;
    Slice probs = zeros(kernels, probsSize);
    Slice ctx = zeros(kernels, tokens * s.vWidth());
    long seed = 11;
    kernels.attention(s, mask, ids, segments, qs, ks, vs, probs, ctx, dropout, seed);
    double[] p = new double[probsSize];
    double[] wantCtx = AttentionContract.attention(s, mask, ids, segments, doubles(q), doubles(k),
        doubles(v), dropout, seed, p);
    assertRelative(p, get(kernels, probs, probsSize), 1e-5, "probs");
    assertRelative(wantCtx, get(kernels, ctx, tokens * s.vWidth()), 1e-5, "ctx");

    Slice dq = zeros(kernels, tokens * s.qkWidth());
    Slice dk = zeros(kernels, tokens * s.qkWidth());
    Slice dv = zeros(kernels, tokens * s.vWidth());
    kernels.attentionBackward(s, mask, ids, segments, qs, ks, vs, probs, put(kernels, dCtx), dq, dk,
        dv, dropout, seed);
    double[][] want = attentionBackward(s, q, k, v, p, dCtx, dropout, seed,
        seesNoKey(s, mask, ids, segments));
    assertRelative(want[0], get(kernels, dq, tokens * s.qkWidth()), 1e-4, "dq");
    assertRelative(want[1], get(kernels, dk, tokens * s.qkWidth()), 1e-4, "dk");
    assertRelative(want[2], get(kernels, dv, tokens * s.vWidth()), 1e-5, "dv");
  }

  /** Per query (b·seq + i): whether it may see no key at all under the mask. */
  private static boolean[] seesNoKey(AttentionShape s, Mask mask, int[] ids, int[] segments) {
    int n = s.seq();
    boolean[] none = new boolean[s.batch() * n];
    for (int b = 0; b < s.batch(); b++) {
      for (int i = 0; i < n; i++) {
        boolean any = false;
        for (int j = 0; j < n; j++) {
          int ci = 0;
          int cj = 0;
          for (int t = 0; t <= Math.max(i, j); t++) {
            ci += t <= i ? segments[b * n + t] : 0;
            cj += t <= j ? segments[b * n + t] : 0;
          }
          any |= ids[b * n + j] != 0 && (mask != Mask.LM || j <= i)
              && (mask != Mask.UNILM || cj <= ci);
        }
        none[b * n + i] = !any;
      }
    }
    return none;
  }

  /**
   * dq, dk, dv from the probabilities p: dP = dctx·vᵀ ⊙ f (f the dropout factors), dS = p ⊙ (dP −
   * rowsum(p ⊙ dP)), 0 on rows that see no key, dq = scale·dS·k, dk = scale·dSᵀ·q, dv =
   * (p ⊙ f)ᵀ·dctx.
   */
  private static double[][] attentionBackward(AttentionShape s, float[] q, float[] k, float[] v,
      double[] p, float[] dCtx, float dropout, long seed, boolean[] seesNoKey) {
    int n = s.seq();
    double[] dq = new double[q.length];
    double[] dk = new double[k.length];
    double[] dv = new double[v.length];
    double[] dP = new double[n];
    double[] f = new double[n];
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        long pair = (long) (b * s.heads() + h) * n * n;
        for (int i = 0; i < n; i++) {
          int row = (int) (pair + (long) i * n);
          double rowSum = 0;
          for (int j = 0; j < n; j++) {
            double dot = 0;
            for (int d = 0; d < s.headSize(); d++) {
              dot += (double) dCtx[(b * n + i) * s.vWidth() + h * s.headSize() + d]
                  * v[(b * n + j) * s.vWidth() + h * s.headSize() + d];
            }
            f[j] = dropout == 0 ? 1
                : AttentionContract.keep(seed, row + j, dropout) ? 1 / (1 - (double) dropout) : 0;
            dP[j] = dot * f[j];
            rowSum += p[row + j] * dP[j];
          }
          boolean constant = seesNoKey[b * n + i];
          for (int j = 0; j < n; j++) {
            double dS = constant ? 0 : p[row + j] * (dP[j] - rowSum);
            for (int d = 0; d < s.keySize(); d++) {
              int qi = (b * n + i) * s.qkWidth() + h * s.keySize() + d;
              int kj = (b * n + j) * s.qkWidth() + h * s.keySize() + d;
              dq[qi] += s.scale() * dS * k[kj];
              dk[kj] += s.scale() * dS * q[qi];
            }
            for (int d = 0; d < s.headSize(); d++) {
              dv[(b * n + j) * s.vWidth() + h * s.headSize() + d] += p[row + j] * f[j]
                  * dCtx[(b * n + i) * s.vWidth() + h * s.headSize() + d];
            }
          }
        }
      }
    }
    return new double[][] {dq, dk, dv};
  }

  @ParameterizedTest
  @ValueSource(ints = {768, 1001})
  void layerNormForwardAndBackward(int width) {
    int rows = 50;
    Random random = new Random(width);
    float[] x = uniform(random, rows * width, -3, 3);
    float[] residual = uniform(random, rows * width, -3, 3);
    float[] gamma = uniform(random, width, 0.5, 1.5);
    float[] beta = uniform(random, width);
    Slice xs = put(kernels, x);
    Slice gs = put(kernels, gamma);
    Slice out = zeros(kernels, rows * width);
    Slice mean = zeros(kernels, rows);
    Slice rstd = zeros(kernels, rows);
    kernels.layerNorm(xs, put(kernels, residual), gs, put(kernels, beta), 1e-12f, out, mean, rstd,
        rows, width);
    float[] dOut = uniform(random, rows * width);
    float[] dGamma0 = uniform(random, width);
    float[] dBeta0 = uniform(random, width);
    Slice dH = put(kernels, dOut);
    Slice dGamma = put(kernels, dGamma0);
    Slice dBeta = put(kernels, dBeta0);
    kernels.layerNormBackward(dH, xs, mean, rstd, gs, dH, dGamma, dBeta, rows, width);

    double[] h = new double[rows * width];
    double[] wantOut = new double[rows * width];
    double[] wantMean = new double[rows];
    double[] wantRstd = new double[rows];
    double[] wantDh = new double[rows * width];
    double[] wantDGamma = doubles(dGamma0);
    double[] wantDBeta = doubles(dBeta0);
    for (int r = 0; r < rows; r++) {
      double mu = 0;
      for (int j = 0; j < width; j++) {
        h[r * width + j] = (double) x[r * width + j] + residual[r * width + j];
        mu += h[r * width + j];
      }
      mu /= width;
      double var = 0;
      for (int j = 0; j < width; j++) {
        var += (h[r * width + j] - mu) * (h[r * width + j] - mu);
      }
      double rs = 1 / Math.sqrt(var / width + 1e-12);
      wantMean[r] = mu;
      wantRstd[r] = rs;
      double meanG = 0;
      double meanGx = 0;
      for (int j = 0; j < width; j++) {
        double xhat = (h[r * width + j] - mu) * rs;
        wantOut[r * width + j] = gamma[j] * xhat + beta[j];
        double g = dOut[r * width + j] * (double) gamma[j];
        meanG += g / width;
        meanGx += g * xhat / width;
        wantDGamma[j] += dOut[r * width + j] * xhat;
        wantDBeta[j] += dOut[r * width + j];
      }
      for (int j = 0; j < width; j++) {
        double xhat = (h[r * width + j] - mu) * rs;
        wantDh[r * width + j] = rs * (dOut[r * width + j] * gamma[j] - meanG - xhat * meanGx);
      }
    }
    assertRelative(h, get(kernels, xs, rows * width), 1e-7, "h");
    assertRelative(wantOut, get(kernels, out, rows * width), 1e-5, "out");
    assertRelative(wantMean, get(kernels, mean, rows), 1e-6, "mean");
    assertRelative(wantRstd, get(kernels, rstd, rows), 1e-6, "rstd");
    assertRelative(wantDh, get(kernels, dH, rows * width), 1e-5, "dH (in place)");
    assertRelative(wantDGamma, get(kernels, dGamma, width), 1e-5, "dGamma");
    assertRelative(wantDBeta, get(kernels, dBeta, width), 1e-5, "dBeta");
  }

  @Test
  void crossEntropyOverAVocabulary() {
    int rows = 9;
    int classes = 21128;
    Random random = new Random(4);
    float[] logits = uniform(random, rows * classes, -8, 8);
    int[] targets = new int[rows];
    for (int r = 0; r < rows; r++) {
      targets[r] = r % 4 == 3 ? -1 : random.nextInt(classes);
    }
    Slice d = zeros(kernels, rows * classes);
    double loss = kernels.softmaxCrossEntropy(put(kernels, logits), targets, rows, classes, d,
        0.5f);
    double wantLoss = 0;
    double[] want = new double[rows * classes];
    for (int r = 0; r < rows; r++) {
      if (targets[r] < 0) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[r * classes + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[r * classes + c] - max);
      }
      wantLoss += Math.log(sum) + max - logits[r * classes + targets[r]];
      for (int c = 0; c < classes; c++) {
        double softmax = Math.exp(logits[r * classes + c] - max) / sum;
        want[r * classes + c] = 0.5 * (softmax - (c == targets[r] ? 1 : 0));
      }
    }
    assertEquals(wantLoss, loss, 1e-6 * wantLoss, "loss");
    assertRelative(want, get(kernels, d, rows * classes), 1e-5, "dLogits");
  }

  @Test
  void embeddingWithManyRepeatedIds() {
    int rows = 3000;
    int width = 130;
    Random random = new Random(5);
    int[] ids = new int[rows];
    for (int r = 0; r < rows; r++) {
      ids[r] = random.nextInt(20);
    }
    float[] dOut = uniform(random, rows * width, -100, 100);
    float[] table0 = uniform(random, 25 * width);
    Slice table = put(kernels, table0);
    kernels.embeddingBackward(ids, rows, put(kernels, dOut), width, table);
    double[] want = doubles(table0);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width; c++) {
        want[ids[r] * width + c] += dOut[r * width + c];
      }
    }
    float[] got = get(kernels, table, want.length);
    assertRelative(want, got, 1e-6, "dTable");

    float[] out0 = uniform(random, rows * width);
    Slice out = put(kernels, out0);
    kernels.embedding(ids, rows, table, width, out, true);
    float[] gathered = get(kernels, out, rows * width);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width; c++) {
        assertEquals(got[ids[r] * width + c] + out0[r * width + c], gathered[r * width + c],
            "embedding, accumulated, row " + r);
      }
    }
  }

  @Test
  void dropoutMaskOfALargeTensor() {
    int n = 1_000_003;
    float p = 0.1f;
    float[] x = uniform(new Random(6), n);
    Slice out = zeros(kernels, n);
    kernels.dropout(put(kernels, x), out, n, p, 0x5EEDL);
    float[] got = get(kernels, out, n);
    for (int i = 0; i < n; i++) {
      float want = AttentionContract.keep(0x5EEDL, i, p) ? x[i] * (1f / (1f - p)) : 0f;
      if (got[i] != want) {
        throw new AssertionError("element " + i + ": " + got[i] + ", want " + want);
      }
    }
  }
}
