package bert4j.processor.ops;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.RelativeBuckets;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.optim.BoundOptimizer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A naive double-precision {@link Kernels}, written from the interface's javadoc alone: every
 * kernel is a plain loop in double over {@link DoubleMemory}, for tests that run a sequence of
 * kernel calls and compare the gradients they derive with central finite differences. Each kernel
 * reads all its inputs before it writes, so every aliasing the javadoc allows works. Only the
 * extent and type of each slice are checked. {@link #doubles} and {@link #setDoubles} move values
 * without float rounding.
 */
public final class DoubleKernels implements Kernels {
  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
  private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  private static final double INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
  private static final double GELU_TANH_CUBIC = 0.044715;

  /** Memory of this backend: one {@code double[]}, one double per float of the interface. */
  public static final class DoubleMemory implements Memory {
    private double[] values;
    private final long size;

    DoubleMemory(long floats) {
      if (floats < 0 || floats > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("cannot allocate " + floats + " doubles");
      }
      this.values = new double[(int) floats];
      this.size = floats;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public void close() {
      values = null;
    }

    double[] values() {
      if (values == null) {
        throw new IllegalStateException("double memory of " + size + " values used after close()");
      }
      return values;
    }
  }

  /** The {@code n} values from {@code s}, in double. */
  public double[] doubles(Slice s, int n) {
    return load(s, n);
  }

  /** Writes {@code values} from {@code s} on, in double. */
  public void setDoubles(Slice s, double[] values) {
    store(s, values);
  }

  @Override
  public String name() {
    return "double (naive reference)";
  }

  @Override
  public Memory allocate(long floats) {
    return new DoubleMemory(floats);
  }

  @Override
  public void write(float[] source, int sourceOffset, Slice target, int count) {
    double[] v = new double[count];
    for (int i = 0; i < count; i++) {
      v[i] = source[sourceOffset + i];
    }
    store(target, v);
  }

  @Override
  public void read(Slice source, float[] target, int targetOffset, int count) {
    double[] v = load(source, count);
    for (int i = 0; i < count; i++) {
      target[targetOffset + i] = (float) v[i];
    }
  }

  @Override
  public void fill(Slice target, long count, float value) {
    double[] v = new double[Math.toIntExact(count)];
    Arrays.fill(v, value);
    store(target, v);
  }

  @Override
  public void embedding(int[] ids, int rows, Slice table, int width, Slice out,
      boolean accumulate) {
    double[] t = load(table, (long) (maxId(ids, rows) + 1) * width);
    double[] o = accumulate ? load(out, (long) rows * width) : new double[rows * width];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width; c++) {
        o[r * width + c] += t[ids[r] * width + c];
      }
    }
    store(out, o);
  }

  @Override
  public void embeddingBackward(int[] ids, int rows, Slice dOut, int width, Slice dTable) {
    double[] d = load(dOut, (long) rows * width);
    double[] t = load(dTable, (long) (maxId(ids, rows) + 1) * width);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width; c++) {
        t[ids[r] * width + c] += d[r * width + c];
      }
    }
    store(dTable, t);
  }

  /** Weights stay in their layout here. */
  @Override
  public void linearWeight(Slice w, int in, int outWidth) {}

  /** Activations stay in float64 here. */
  @Override
  public void linearIntermediate(Slice hidden, int width) {}

  @Override
  public void linear(Slice x, int xStride, Slice w, Slice bias, Activation activation, Slice pre,
      Slice out, int rows, int in, int outWidth) {
    double[] xs = load(x, extent(rows, xStride, in));
    double[] ws = load(w, (long) outWidth * in);
    double[] b = bias == null ? null : load(bias, outWidth);
    double[] p = new double[rows * outWidth];
    double[] o = new double[rows * outWidth];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < outWidth; j++) {
        double s = b == null ? 0 : b[j];
        for (int c = 0; c < in; c++) {
          s += xs[r * xStride + c] * ws[j * in + c];
        }
        p[r * outWidth + j] = s;
        o[r * outWidth + j] = activate(activation, s);
      }
    }
    store(pre, p);
    store(out, o);
  }

  @Override
  public void linearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx, int dxStride,
      boolean accumulateDx, Slice dw, Slice dBias, boolean accumulateParams, int rows, int in,
      int outWidth) {
    double[] dp = load(dPre, (long) rows * outWidth);
    double[] xs = load(x, extent(rows, xStride, in));
    double[] ws = load(w, (long) outWidth * in);
    if (dx != null) {
      double[] d = load(dx, extent(rows, dxStride, in));
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < in; c++) {
          double s = 0;
          for (int j = 0; j < outWidth; j++) {
            s += dp[r * outWidth + j] * ws[j * in + c];
          }
          d[r * dxStride + c] = (accumulateDx ? d[r * dxStride + c] : 0) + s;
        }
      }
      for (int r = 0; r < rows; r++) {
        store(dx.plus((long) r * dxStride), Arrays.copyOfRange(d, r * dxStride, r * dxStride + in));
      }
    }
    double[] g = accumulateParams ? load(dw, (long) outWidth * in) : new double[outWidth * in];
    for (int j = 0; j < outWidth; j++) {
      for (int c = 0; c < in; c++) {
        for (int r = 0; r < rows; r++) {
          g[j * in + c] += dp[r * outWidth + j] * xs[r * xStride + c];
        }
      }
    }
    store(dw, g);
    if (dBias != null) {
      double[] gb = accumulateParams ? load(dBias, outWidth) : new double[outWidth];
      for (int j = 0; j < outWidth; j++) {
        for (int r = 0; r < rows; r++) {
          gb[j] += dp[r * outWidth + j];
        }
      }
      store(dBias, gb);
    }
  }

  @Override
  public void activationBackward(Activation activation, Slice pre, Slice dOut, Slice dPre,
      long count) {
    double[] p = load(pre, count);
    double[] d = load(dOut, count);
    for (int i = 0; i < d.length; i++) {
      d[i] *= derivative(activation, p[i]);
    }
    store(dPre, d);
  }

  @Override
  public void layerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps, Slice out,
      Slice mean, Slice rstd, int rows, int width) {
    double[] h = load(x, (long) rows * width);
    double[] res = residual == null ? null : load(residual, (long) rows * width);
    double[] g = load(gamma, width);
    double[] b = load(beta, width);
    double[] o = new double[rows * width];
    double[] mu = new double[rows];
    double[] rs = new double[rows];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int c = 0; c < width; c++) {
        if (res != null) {
          h[r * width + c] += res[r * width + c];
        }
        sum += h[r * width + c];
      }
      mu[r] = sum / width;
      double squares = 0;
      for (int c = 0; c < width; c++) {
        double centred = h[r * width + c] - mu[r];
        squares += centred * centred;
      }
      rs[r] = 1 / Math.sqrt(squares / width + eps);
      for (int c = 0; c < width; c++) {
        o[r * width + c] = g[c] * (h[r * width + c] - mu[r]) * rs[r] + b[c];
      }
    }
    store(x, h);
    store(out, o);
    store(mean, mu);
    store(rstd, rs);
  }

  @Override
  public void layerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd, Slice gamma,
      Slice dH, Slice dGamma, Slice dBeta, int rows, int width) {
    double[] d = load(dOut, (long) rows * width);
    double[] hs = load(h, (long) rows * width);
    double[] mu = load(mean, rows);
    double[] rs = load(rstd, rows);
    double[] g = load(gamma, width);
    double[] dg = load(dGamma, width);
    double[] db = load(dBeta, width);
    double[] dh = new double[rows * width];
    for (int r = 0; r < rows; r++) {
      double meanG = 0;
      double meanGx = 0;
      for (int c = 0; c < width; c++) {
        double xhat = (hs[r * width + c] - mu[r]) * rs[r];
        double gd = d[r * width + c] * g[c];
        meanG += gd / width;
        meanGx += gd * xhat / width;
        dg[c] += d[r * width + c] * xhat;
        db[c] += d[r * width + c];
      }
      for (int c = 0; c < width; c++) {
        double xhat = (hs[r * width + c] - mu[r]) * rs[r];
        dh[r * width + c] = rs[r] * (d[r * width + c] * g[c] - meanG - xhat * meanGx);
      }
    }
    store(dGamma, dg);
    store(dBeta, db);
    store(dH, dh);
  }

  @Override
  public void rmsNorm(Slice x, Slice residual, Slice gamma, float eps, Slice out, Slice rstd,
      int rows, int width) {
    double[] h = load(x, (long) rows * width);
    double[] res = residual == null ? null : load(residual, (long) rows * width);
    double[] g = gamma == null ? null : load(gamma, width);
    double[] o = new double[rows * width];
    double[] rs = new double[rows];
    for (int r = 0; r < rows; r++) {
      double squares = 0;
      for (int c = 0; c < width; c++) {
        if (res != null) {
          h[r * width + c] += res[r * width + c];
        }
        squares += h[r * width + c] * h[r * width + c];
      }
      rs[r] = 1 / Math.sqrt(squares / width + eps);
      for (int c = 0; c < width; c++) {
        o[r * width + c] = (g == null ? 1 : g[c]) * h[r * width + c] * rs[r];
      }
    }
    store(x, h);
    store(out, o);
    store(rstd, rs);
  }

  @Override
  public void rmsNormBackward(Slice dOut, Slice h, Slice rstd, Slice gamma, Slice dH, Slice dGamma,
      int rows, int width) {
    double[] d = load(dOut, (long) rows * width);
    double[] hs = load(h, (long) rows * width);
    double[] rs = load(rstd, rows);
    double[] g = gamma == null ? null : load(gamma, width);
    double[] dg = gamma == null ? null : load(dGamma, width);
    double[] dh = new double[rows * width];
    for (int r = 0; r < rows; r++) {
      double meanDn = 0;
      for (int c = 0; c < width; c++) {
        double n = hs[r * width + c] * rs[r];
        double dn = d[r * width + c] * (g == null ? 1 : g[c]);
        meanDn += dn * n / width;
        if (dg != null) {
          dg[c] += d[r * width + c] * n;
        }
      }
      for (int c = 0; c < width; c++) {
        double n = hs[r * width + c] * rs[r];
        double dn = d[r * width + c] * (g == null ? 1 : g[c]);
        dh[r * width + c] = rs[r] * (dn - n * meanDn);
      }
    }
    if (dg != null) {
      store(dGamma, dg);
    }
    store(dH, dh);
  }

  @Override
  public void add(Slice a, Slice b, Slice out, long count) {
    double[] x = load(a, count);
    double[] y = load(b, count);
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
    store(out, x);
  }

  @Override
  public void rotary(Slice x, int batch, int seq, int heads, int size, boolean inverse) {
    int width = heads * size;
    double[] v = load(x, (long) batch * seq * width);
    for (int r = 0; r < batch * seq; r++) {
      int position = r % seq;
      for (int head = 0; head < heads; head++) {
        for (int i = 0; i < size / 2; i++) {
          double angle = position * Math.pow(10000, -2.0 * i / size) * (inverse ? -1 : 1);
          int at = r * width + head * size + 2 * i;
          double even = v[at];
          double odd = v[at + 1];
          v[at] = even * Math.cos(angle) - odd * Math.sin(angle);
          v[at + 1] = odd * Math.cos(angle) + even * Math.sin(angle);
        }
      }
    }
    store(x, v);
  }

  @Override
  public void rotaryAt(Slice x, int[] positions, int rows, int heads, int size) {
    int width = heads * size;
    double[] v = load(x, (long) rows * width);
    for (int r = 0; r < rows; r++) {
      for (int head = 0; head < heads; head++) {
        for (int i = 0; i < size / 2; i++) {
          double angle = positions[r] * Math.pow(10000, -2.0 * i / size);
          int at = r * width + head * size + 2 * i;
          double even = v[at];
          double odd = v[at + 1];
          v[at] = even * Math.cos(angle) - odd * Math.sin(angle);
          v[at + 1] = odd * Math.cos(angle) + even * Math.sin(angle);
        }
      }
    }
    store(x, v);
  }

  @Override
  public void cachedAttention(AttentionShape shape, int capacity, Mask mask, int[] cacheTokens,
      int[] cacheSegments, int[] starts, Slice q, Slice k, Slice v, Slice keyCache,
      Slice valueCache, Slice ctx) {
    int n = shape.seq();
    int qkw = shape.qkWidth();
    int vw = shape.vWidth();
    int batch = shape.batch();
    double[] qs = load(q, (long) batch * n * qkw);
    double[] kk = load(k, (long) batch * n * qkw);
    double[] vs = load(v, (long) batch * n * vw);
    double[] kc = load(keyCache, (long) batch * capacity * qkw);
    double[] vc = load(valueCache, (long) batch * capacity * vw);
    double[] c = new double[batch * n * vw];
    for (int b = 0; b < batch; b++) {
      int keys = starts[b] + n;
      System.arraycopy(kk, b * n * qkw, kc, (b * capacity + starts[b]) * qkw, n * qkw);
      System.arraycopy(vs, b * n * vw, vc, (b * capacity + starts[b]) * vw, n * vw);
      boolean[][] allowed = allowed(mask, Arrays.copyOfRange(cacheTokens, b * capacity,
          b * capacity + keys), mask == Mask.UNILM ? Arrays.copyOfRange(cacheSegments,
          b * capacity, b * capacity + keys) : null, 0, keys);
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          boolean[] row = allowed[starts[b] + i];
          double[] p = new double[keys];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < keys; j++) {
            double s = 0;
            for (int e = 0; e < shape.keySize(); e++) {
              s += qs[(b * n + i) * qkw + h * shape.keySize() + e]
                  * kc[(b * capacity + j) * qkw + h * shape.keySize() + e];
            }
            p[j] = s * shape.scale();
            max = row[j] ? Math.max(max, p[j]) : max;
          }
          double sum = 0;
          for (int j = 0; j < keys; j++) {
            p[j] = !anyKey(row) ? 1 : row[j] ? Math.exp(p[j] - max) : 0;
            sum += p[j];
          }
          for (int e = 0; e < shape.headSize(); e++) {
            double s = 0;
            for (int j = 0; j < keys; j++) {
              s += p[j] / sum * vc[(b * capacity + j) * vw + h * shape.headSize() + e];
            }
            c[(b * n + i) * vw + h * shape.headSize() + e] = s;
          }
        }
      }
    }
    store(keyCache, kc);
    store(valueCache, vc);
    store(ctx, c);
  }

  @Override
  public void copy(Slice source, Slice target, long count) {
    store(target, load(source, count));
  }

  @Override
  public void copyColumns(Slice source, int sourceWidth, int sourceColumn, Slice target,
      int targetWidth, int targetColumn, int rows, int width) {
    for (int r = 0; r < rows; r++) {
      store(target.plus((long) r * targetWidth + targetColumn),
          load(source.plus((long) r * sourceWidth + sourceColumn), width));
    }
  }

  @Override
  public void attention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice q, Slice k, Slice v, Slice probs, Slice ctx, float dropout, long seed) {
    requireRate(dropout);
    int n = shape.seq();
    int heads = shape.heads();
    int ks = shape.keySize();
    int hs = shape.headSize();
    int qkw = shape.qkWidth();
    int vw = shape.vWidth();
    int tokens = shape.batch() * n;
    double[] qs = load(q, (long) tokens * qkw);
    double[] kk = load(k, (long) tokens * qkw);
    double[] vs = load(v, (long) tokens * vw);
    double[] p = new double[shape.batch() * heads * n * n];
    double[] c = new double[tokens * vw];
    for (int b = 0; b < shape.batch(); b++) {
      boolean[][] allowed = allowed(mask, tokenIds, segmentIds, b, n);
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < n; i++) {
          int row = ((b * heads + h) * n + i) * n;
          double[] logits = new double[n];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) {
            double s = 0;
            for (int e = 0; e < ks; e++) {
              s += qs[(b * n + i) * qkw + h * ks + e] * kk[(b * n + j) * qkw + h * ks + e];
            }
            logits[j] = s * shape.scale();
            if (allowed[i][j]) {
              max = Math.max(max, logits[j]);
            }
          }
          if (!anyKey(allowed[i])) {
            Arrays.fill(p, row, row + n, 1.0 / n);
          } else {
            double sum = 0;
            for (int j = 0; j < n; j++) {
              p[row + j] = allowed[i][j] ? Math.exp(logits[j] - max) : 0;
              sum += p[row + j];
            }
            for (int j = 0; j < n; j++) {
              p[row + j] /= sum;
            }
          }
          for (int e = 0; e < hs; e++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
              s += p[row + j] * keep(seed, row + j, dropout) * vs[(b * n + j) * vw + h * hs + e];
            }
            c[(b * n + i) * vw + h * hs + e] = s;
          }
        }
      }
    }
    store(probs, p);
    store(ctx, c);
  }

  @Override
  public void attentionBackward(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice q, Slice k, Slice v, Slice probs, Slice dCtx, Slice dq, Slice dk,
      Slice dv, float dropout, long seed) {
    requireRate(dropout);
    int n = shape.seq();
    int heads = shape.heads();
    int ks = shape.keySize();
    int hs = shape.headSize();
    int qkw = shape.qkWidth();
    int vw = shape.vWidth();
    int tokens = shape.batch() * n;
    double scale = shape.scale();
    double[] qs = load(q, (long) tokens * qkw);
    double[] kk = load(k, (long) tokens * qkw);
    double[] vs = load(v, (long) tokens * vw);
    double[] p = load(probs, (long) shape.batch() * heads * n * n);
    double[] dc = load(dCtx, (long) tokens * vw);
    double[] gq = new double[tokens * qkw];
    double[] gk = new double[tokens * qkw];
    double[] gv = new double[tokens * vw];
    for (int b = 0; b < shape.batch(); b++) {
      boolean[][] allowed = allowed(mask, tokenIds, segmentIds, b, n);
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < n; i++) {
          int row = ((b * heads + h) * n + i) * n;
          double[] dp = new double[n];
          for (int j = 0; j < n; j++) {
            double f = keep(seed, row + j, dropout);
            double s = 0;
            for (int e = 0; e < hs; e++) {
              double g = dc[(b * n + i) * vw + h * hs + e];
              s += g * vs[(b * n + j) * vw + h * hs + e];
              gv[(b * n + j) * vw + h * hs + e] += p[row + j] * f * g;
            }
            dp[j] = s * f;
          }
          if (!anyKey(allowed[i])) {
            continue;
          }
          double dot = 0;
          for (int j = 0; j < n; j++) {
            dot += p[row + j] * dp[j];
          }
          for (int j = 0; j < n; j++) {
            double dLogit = p[row + j] * (dp[j] - dot) * scale;
            for (int e = 0; e < ks; e++) {
              gq[(b * n + i) * qkw + h * ks + e] += dLogit * kk[(b * n + j) * qkw + h * ks + e];
              gk[(b * n + j) * qkw + h * ks + e] += dLogit * qs[(b * n + i) * qkw + h * ks + e];
            }
          }
        }
      }
    }
    store(dq, gq);
    store(dk, gk);
    store(dv, gv);
  }

  @Override
  public void stackedAttention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice qkv, Slice probs, Slice ctx, float dropout, long seed) {
    Slice[] parts = unstacked(shape, qkv);
    attention(shape, mask, tokenIds, segmentIds, parts[0], parts[1], parts[2], probs, ctx, dropout,
        seed);
  }

  @Override
  public void stackedAttentionBackward(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice qkv, Slice probs, Slice dCtx, Slice dQkv, float dropout, long seed) {
    Slice[] parts = unstacked(shape, qkv);
    Slice[] grads = unstacked(shape, null);
    attentionBackward(shape, mask, tokenIds, segmentIds, parts[0], parts[1], parts[2], probs, dCtx,
        grads[0], grads[1], grads[2], dropout, seed);
    int rows = shape.batch() * shape.seq();
    int width = shape.qkvWidth();
    copyColumns(grads[0], shape.qkWidth(), 0, dQkv, width, 0, rows, shape.qkWidth());
    copyColumns(grads[1], shape.qkWidth(), 0, dQkv, width, shape.qkWidth(), rows, shape.qkWidth());
    copyColumns(grads[2], shape.vWidth(), 0, dQkv, width, 2 * shape.qkWidth(), rows,
        shape.vWidth());
  }

  /** q, k and v copied out of {@code qkv}'s column blocks into memories of their own (zeros: null). */
  private Slice[] unstacked(AttentionShape shape, Slice qkv) {
    int rows = shape.batch() * shape.seq();
    int[] widths = {shape.qkWidth(), shape.qkWidth(), shape.vWidth()};
    Slice[] parts = new Slice[3];
    int column = 0;
    for (int i = 0; i < 3; i++) {
      parts[i] = new Slice(allocate((long) rows * widths[i]), 0);
      if (qkv != null) {
        copyColumns(qkv, shape.qkvWidth(), column, parts[i], widths[i], 0, rows, widths[i]);
      }
      column += widths[i];
    }
    return parts;
  }

  @Override
  public void attentionScores(AttentionShape shape, Slice q, Slice k, Slice scores) {
    int n = shape.seq();
    int d = shape.keySize();
    int width = shape.qkWidth();
    double[] qs = load(q, (long) shape.batch() * n * width);
    double[] ks = load(k, (long) shape.batch() * n * width);
    double[] s = new double[shape.batch() * shape.heads() * n * n];
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double dot = 0;
            for (int c = 0; c < d; c++) {
              dot += qs[(b * n + i) * width + h * d + c] * ks[(b * n + j) * width + h * d + c];
            }
            s[((b * shape.heads() + h) * n + i) * n + j] = dot * shape.scale();
          }
        }
      }
    }
    store(scores, s);
  }

  @Override
  public void attentionScoresBackward(AttentionShape shape, Slice q, Slice k, Slice dScores,
      Slice dq, Slice dk) {
    int n = shape.seq();
    int d = shape.keySize();
    int width = shape.qkWidth();
    double[] qs = load(q, (long) shape.batch() * n * width);
    double[] ks = load(k, (long) shape.batch() * n * width);
    double[] ds = load(dScores, (long) shape.batch() * shape.heads() * n * n);
    double[] dqs = new double[qs.length];
    double[] dks = new double[ks.length];
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double g = ds[((b * shape.heads() + h) * n + i) * n + j] * shape.scale();
            for (int c = 0; c < d; c++) {
              dqs[(b * n + i) * width + h * d + c] += g * ks[(b * n + j) * width + h * d + c];
              dks[(b * n + j) * width + h * d + c] += g * qs[(b * n + i) * width + h * d + c];
            }
          }
        }
      }
    }
    store(dq, dqs);
    store(dk, dks);
  }

  /** NEZHA's fixed table row for the distance j − i: sin/cos pairs of (clipped distance + max). */
  private static double relative(int i, int j, int maxRelative, int c, int width) {
    int p = Math.max(-maxRelative, Math.min(maxRelative, j - i)) + maxRelative;
    double angle = p * Math.pow(10000, -2.0 * (c / 2) / width);
    return c % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
  }

  @Override
  public void decoderAttention(AttentionShape shape, int capacity, int[] starts, int keyLength,
      int[] keyIds, Slice table, int buckets, int maxDistance, Slice q, Slice k, Slice v,
      Slice keyCache, Slice valueCache, Slice ctx) {
    throw new UnsupportedOperationException("decoderAttention is forward-only decoding; the "
        + "derived-backward tests never call it");
  }

  @Override
  public void multiply(Slice a, Slice b, Slice out, long count) {
    double[] x = load(a, count);
    double[] y = load(b, count);
    for (int i = 0; i < x.length; i++) {
      x[i] *= y[i];
    }
    store(out, x);
  }

  @Override
  public void scale(Slice x, float alpha, Slice out, long count) {
    double[] v = load(x, count);
    for (int i = 0; i < v.length; i++) {
      v[i] *= alpha;
    }
    store(out, v);
  }

  @Override
  public void relativePositionBias(AttentionShape shape, Slice table, int buckets, int maxDistance,
      boolean bidirectional, Slice scores) {
    int n = shape.seq();
    int heads = shape.heads();
    double[] t = load(table, (long) buckets * heads);
    double[] s = load(scores, (long) shape.batch() * heads * n * n);
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            int k = RelativeBuckets.bucket(j - i, bidirectional, buckets, maxDistance);
            s[((b * heads + h) * n + i) * n + j] += t[k * heads + h];
          }
        }
      }
    }
    store(scores, s);
  }

  @Override
  public void relativePositionBiasBackward(AttentionShape shape, Slice dScores, int buckets,
      int maxDistance, boolean bidirectional, Slice dTable) {
    int n = shape.seq();
    int heads = shape.heads();
    double[] d = load(dScores, (long) shape.batch() * heads * n * n);
    double[] t = load(dTable, (long) buckets * heads);
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            int k = RelativeBuckets.bucket(j - i, bidirectional, buckets, maxDistance);
            t[k * heads + h] += d[((b * heads + h) * n + i) * n + j];
          }
        }
      }
    }
    store(dTable, t);
  }

  @Override
  public void relativeScores(AttentionShape shape, Slice q, int maxRelative, Slice scores) {
    int n = shape.seq();
    int d = shape.keySize();
    int width = shape.qkWidth();
    double[] qs = load(q, (long) shape.batch() * n * width);
    double[] s = load(scores, (long) shape.batch() * shape.heads() * n * n);
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double dot = 0;
            for (int c = 0; c < d; c++) {
              dot += qs[(b * n + i) * width + h * d + c] * relative(i, j, maxRelative, c, d);
            }
            s[((b * shape.heads() + h) * n + i) * n + j] += dot * shape.scale();
          }
        }
      }
    }
    store(scores, s);
  }

  @Override
  public void relativeScoresBackward(AttentionShape shape, Slice dScores, int maxRelative,
      Slice dq) {
    int n = shape.seq();
    int d = shape.keySize();
    int width = shape.qkWidth();
    double[] ds = load(dScores, (long) shape.batch() * shape.heads() * n * n);
    double[] dqs = load(dq, (long) shape.batch() * n * width);
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double g = ds[((b * shape.heads() + h) * n + i) * n + j] * shape.scale();
            for (int c = 0; c < d; c++) {
              dqs[(b * n + i) * width + h * d + c] += g * relative(i, j, maxRelative, c, d);
            }
          }
        }
      }
    }
    store(dq, dqs);
  }

  /** The number of non-padding keys of sequence b: the length bert4keras's normalizations use. */
  private static int keys(int[] tokenIds, int b, int n) {
    int count = 0;
    for (int j = 0; j < n; j++) {
      count += tokenIds[b * n + j] != 0 ? 1 : 0;
    }
    return count;
  }

  @Override
  public void attentionNormalize(AttentionShape shape, Mask mask, Normalization normalization,
      int[] tokenIds, int[] segmentIds, Slice scores, Slice probs) {
    int n = shape.seq();
    double[] s = load(scores, (long) shape.batch() * shape.heads() * n * n);
    double[] p = new double[s.length];
    for (int b = 0; b < shape.batch(); b++) {
      boolean[][] allowed = allowed(mask, tokenIds, segmentIds, b, n);
      int length = keys(tokenIds, b, n);
      double factor = normalization == Normalization.SOFTMAX_PLUS
          ? Math.log(Math.max(length, 16)) / Math.log(512) : 1;
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          int row = ((b * shape.heads() + h) * n + i) * n;
          if (normalization == Normalization.SQUARED_RELU) {
            for (int j = 0; j < n; j++) {
              double r = Math.max(0, s[row + j]);
              p[row + j] = allowed[i][j] && length > 0 ? r * r / length : 0;
            }
            continue;
          }
          if (!anyKey(allowed[i])) {
            for (int j = 0; j < n; j++) {
              p[row + j] = 1.0 / n;
            }
            continue;
          }
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) {
            if (allowed[i][j]) {
              max = Math.max(max, s[row + j] * factor);
            }
          }
          double sum = 0;
          for (int j = 0; j < n; j++) {
            p[row + j] = allowed[i][j] ? Math.exp(s[row + j] * factor - max) : 0;
            sum += p[row + j];
          }
          for (int j = 0; j < n; j++) {
            p[row + j] /= sum;
          }
        }
      }
    }
    store(probs, p);
  }

  @Override
  public void attentionNormalizeBackward(AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds, Slice scores, Slice probs,
      Slice dProbs, Slice dScores) {
    int n = shape.seq();
    long size = (long) shape.batch() * shape.heads() * n * n;
    double[] s = load(scores, size);
    double[] p = load(probs, size);
    double[] dp = load(dProbs, size);
    double[] ds = new double[p.length];
    for (int b = 0; b < shape.batch(); b++) {
      boolean[][] allowed = allowed(mask, tokenIds, segmentIds, b, n);
      int length = keys(tokenIds, b, n);
      double factor = normalization == Normalization.SOFTMAX_PLUS
          ? Math.log(Math.max(length, 16)) / Math.log(512) : 1;
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          int row = ((b * shape.heads() + h) * n + i) * n;
          if (normalization == Normalization.SQUARED_RELU) {
            for (int j = 0; j < n; j++) {
              ds[row + j] = allowed[i][j] && length > 0 && s[row + j] > 0
                  ? dp[row + j] * 2 * s[row + j] / length : 0;
            }
            continue;
          }
          if (!anyKey(allowed[i])) {
            continue;
          }
          double dot = 0;
          for (int j = 0; j < n; j++) {
            dot += dp[row + j] * p[row + j];
          }
          for (int j = 0; j < n; j++) {
            ds[row + j] = allowed[i][j] ? p[row + j] * (dp[row + j] - dot) * factor : 0;
          }
        }
      }
    }
    store(dScores, ds);
  }

  @Override
  public void attentionContext(AttentionShape shape, Slice probs, Slice v, Slice ctx) {
    int n = shape.seq();
    int d = shape.headSize();
    int width = shape.vWidth();
    double[] p = load(probs, (long) shape.batch() * shape.heads() * n * n);
    double[] vs = load(v, (long) shape.batch() * n * width);
    double[] out = new double[vs.length];
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double a = p[((b * shape.heads() + h) * n + i) * n + j];
            for (int c = 0; c < d; c++) {
              out[(b * n + i) * width + h * d + c] += a * vs[(b * n + j) * width + h * d + c];
            }
          }
        }
      }
    }
    store(ctx, out);
  }

  @Override
  public void attentionContextBackward(AttentionShape shape, Slice probs, Slice v, Slice dCtx,
      Slice dProbs, Slice dv) {
    int n = shape.seq();
    int d = shape.headSize();
    int width = shape.vWidth();
    double[] p = load(probs, (long) shape.batch() * shape.heads() * n * n);
    double[] vs = load(v, (long) shape.batch() * n * width);
    double[] dc = load(dCtx, (long) shape.batch() * n * width);
    double[] dp = new double[p.length];
    double[] dvs = new double[vs.length];
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            int at = ((b * shape.heads() + h) * n + i) * n + j;
            for (int c = 0; c < d; c++) {
              dp[at] += dc[(b * n + i) * width + h * d + c] * vs[(b * n + j) * width + h * d + c];
              dvs[(b * n + j) * width + h * d + c] += p[at] * dc[(b * n + i) * width + h * d + c];
            }
          }
        }
      }
    }
    store(dProbs, dp);
    store(dv, dvs);
  }

  @Override
  public void relativeContext(AttentionShape shape, Slice probs, int maxRelative, Slice ctx) {
    int n = shape.seq();
    int d = shape.headSize();
    int width = shape.vWidth();
    double[] p = load(probs, (long) shape.batch() * shape.heads() * n * n);
    double[] out = load(ctx, (long) shape.batch() * n * width);
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            double a = p[((b * shape.heads() + h) * n + i) * n + j];
            for (int c = 0; c < d; c++) {
              out[(b * n + i) * width + h * d + c] += a * relative(i, j, maxRelative, c, d);
            }
          }
        }
      }
    }
    store(ctx, out);
  }

  @Override
  public void relativeContextBackward(AttentionShape shape, Slice dCtx, int maxRelative,
      Slice dProbs) {
    int n = shape.seq();
    int d = shape.headSize();
    int width = shape.vWidth();
    double[] dc = load(dCtx, (long) shape.batch() * n * width);
    double[] dp = load(dProbs, (long) shape.batch() * shape.heads() * n * n);
    for (int b = 0; b < shape.batch(); b++) {
      for (int h = 0; h < shape.heads(); h++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            for (int c = 0; c < d; c++) {
              dp[((b * shape.heads() + h) * n + i) * n + j] +=
                  dc[(b * n + i) * width + h * d + c] * relative(i, j, maxRelative, c, d);
            }
          }
        }
      }
    }
    store(dProbs, dp);
  }

  @Override
  public void mixHeads(AttentionShape shape, Slice x, Slice w, Slice out) {
    int heads = shape.heads();
    int map = shape.seq() * shape.seq();
    double[] xs = load(x, (long) shape.batch() * heads * map);
    double[] ws = load(w, (long) heads * heads);
    double[] o = new double[xs.length];
    for (int b = 0; b < shape.batch(); b++) {
      for (int g = 0; g < heads; g++) {
        for (int h = 0; h < heads; h++) {
          for (int e = 0; e < map; e++) {
            o[(b * heads + g) * map + e] += ws[g * heads + h] * xs[(b * heads + h) * map + e];
          }
        }
      }
    }
    store(out, o);
  }

  @Override
  public void mixHeadsBackward(AttentionShape shape, Slice x, Slice w, Slice dOut, Slice dx,
      Slice dw) {
    int heads = shape.heads();
    int map = shape.seq() * shape.seq();
    double[] xs = load(x, (long) shape.batch() * heads * map);
    double[] ws = load(w, (long) heads * heads);
    double[] d = load(dOut, xs.length);
    double[] dxs = new double[xs.length];
    double[] dws = load(dw, (long) heads * heads);
    for (int b = 0; b < shape.batch(); b++) {
      for (int g = 0; g < heads; g++) {
        for (int h = 0; h < heads; h++) {
          for (int e = 0; e < map; e++) {
            dxs[(b * heads + h) * map + e] += ws[g * heads + h] * d[(b * heads + g) * map + e];
            dws[g * heads + h] += d[(b * heads + g) * map + e] * xs[(b * heads + h) * map + e];
          }
        }
      }
    }
    store(dx, dxs);
    store(dw, dws);
  }

  @Override
  public void conditionalLayerNorm(Slice x, Slice residual, Slice gammas, Slice betas, float eps,
      Slice out, Slice mean, Slice rstd, int batch, int seq, int width) {
    int rows = batch * seq;
    double[] h = load(x, (long) rows * width);
    double[] res = residual == null ? null : load(residual, (long) rows * width);
    double[] g = load(gammas, (long) batch * width);
    double[] b = load(betas, (long) batch * width);
    double[] o = new double[rows * width];
    double[] mu = new double[rows];
    double[] rs = new double[rows];
    for (int r = 0; r < rows; r++) {
      int sequence = r / seq;
      double sum = 0;
      for (int c = 0; c < width; c++) {
        if (res != null) {
          h[r * width + c] += res[r * width + c];
        }
        sum += h[r * width + c];
      }
      mu[r] = sum / width;
      double squares = 0;
      for (int c = 0; c < width; c++) {
        double centred = h[r * width + c] - mu[r];
        squares += centred * centred;
      }
      rs[r] = 1 / Math.sqrt(squares / width + eps);
      for (int c = 0; c < width; c++) {
        o[r * width + c] = g[sequence * width + c] * (h[r * width + c] - mu[r]) * rs[r]
            + b[sequence * width + c];
      }
    }
    store(x, h);
    store(out, o);
    store(mean, mu);
    store(rstd, rs);
  }

  @Override
  public void conditionalLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd,
      Slice gammas, Slice dH, Slice dGammas, Slice dBetas, int batch, int seq, int width) {
    int rows = batch * seq;
    double[] d = load(dOut, (long) rows * width);
    double[] hs = load(h, (long) rows * width);
    double[] mu = load(mean, rows);
    double[] rs = load(rstd, rows);
    double[] g = load(gammas, (long) batch * width);
    double[] dg = new double[batch * width];
    double[] db = new double[batch * width];
    double[] dh = new double[rows * width];
    for (int r = 0; r < rows; r++) {
      int sequence = r / seq;
      double meanG = 0;
      double meanGx = 0;
      for (int c = 0; c < width; c++) {
        double xhat = (hs[r * width + c] - mu[r]) * rs[r];
        double gd = d[r * width + c] * g[sequence * width + c];
        meanG += gd / width;
        meanGx += gd * xhat / width;
        dg[sequence * width + c] += d[r * width + c] * xhat;
        db[sequence * width + c] += d[r * width + c];
      }
      for (int c = 0; c < width; c++) {
        double xhat = (hs[r * width + c] - mu[r]) * rs[r];
        dh[r * width + c] =
            rs[r] * (d[r * width + c] * g[sequence * width + c] - meanG - xhat * meanGx);
      }
    }
    store(dGammas, dg);
    store(dBetas, db);
    store(dH, dh);
  }

  @Override
  public void hierarchicalPositions(int batch, int seq, Slice table, int rows, int width,
      float alpha, Slice out) {
    double[] e = load(table, (long) rows * width);
    double[] o = load(out, (long) batch * seq * width);
    for (int b = 0; b < batch; b++) {
      for (int p = 0; p < seq; p++) {
        for (int c = 0; c < width; c++) {
          double high = (e[(p / rows) * width + c] - alpha * e[c]) / (1 - alpha);
          double low = (e[(p % rows) * width + c] - alpha * e[c]) / (1 - alpha);
          o[(b * seq + p) * width + c] += alpha * high + (1 - alpha) * low;
        }
      }
    }
    store(out, o);
  }

  @Override
  public void hierarchicalPositionsBackward(int batch, int seq, Slice dOut, int rows, int width,
      float alpha, Slice dTable) {
    double[] d = load(dOut, (long) batch * seq * width);
    double[] dt = load(dTable, (long) rows * width);
    for (int b = 0; b < batch; b++) {
      for (int p = 0; p < seq; p++) {
        for (int c = 0; c < width; c++) {
          double g = d[(b * seq + p) * width + c];
          dt[(p / rows) * width + c] += g * alpha / (1 - alpha);
          dt[(p % rows) * width + c] += g;
          dt[c] -= g * (alpha * alpha / (1 - alpha) + alpha);
        }
      }
    }
    store(dTable, dt);
  }

  @Override
  public void dropout(Slice x, Slice out, long count, float p, long seed) {
    store(out, dropped(load(x, count), p, seed));
  }

  @Override
  public void dropoutBackward(Slice dOut, Slice dx, long count, float p, long seed) {
    store(dx, dropped(load(dOut, count), p, seed));
  }

  @Override
  public double softmaxCrossEntropy(Slice logits, int[] targets, int rows, int classes,
      Slice dLogits, float gradScale) {
    for (int r = 0; r < rows; r++) {
      if (targets[r] < -1 || targets[r] >= classes) {
        throw new IllegalArgumentException("softmaxCrossEntropy: targets[" + r + "] = "
            + targets[r] + " is outside [-1, " + classes + ")");
      }
    }
    double[] l = load(logits, (long) rows * classes);
    double[] d = new double[rows * classes];
    double loss = 0;
    for (int r = 0; r < rows; r++) {
      int t = targets[r];
      if (t < 0) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, l[r * classes + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(l[r * classes + c] - max);
      }
      loss += Math.log(sum) + max - l[r * classes + t];
      for (int c = 0; c < classes; c++) {
        double softmax = Math.exp(l[r * classes + c] - max) / sum;
        d[r * classes + c] = (softmax - (c == t ? 1 : 0)) * gradScale;
      }
    }
    store(dLogits, d);
    return loss;
  }

  @Override
  public double sigmoidCrossEntropy(Slice logits, int[] targets, int rows, Slice dLogits,
      float gradScale) {
    double[] z = load(logits, rows);
    double[] d = new double[rows];
    double loss = 0;
    for (int r = 0; r < rows; r++) {
      int t = targets[r];
      if (t < -1 || t > 1) {
        throw new IllegalArgumentException("sigmoidCrossEntropy: targets[" + r + "] = " + t
            + " is not -1, 0 or 1");
      }
      if (t < 0) {
        continue;
      }
      loss += Math.log1p(Math.exp(z[r])) - t * z[r];
      d[r] = (1 / (1 + Math.exp(-z[r])) - t) * gradScale;
    }
    store(dLogits, d);
    return loss;
  }

  @Override
  public void spanMask(Slice logits, Slice bias, Slice scores, int[] tokenIds, int batch, int seq,
      int types, boolean tril) {
    int square = seq * seq;
    double[] l = load(logits, (long) batch * (bias == null ? types : 1) * square);
    double[] w = bias == null ? null : load(bias, (long) batch * seq * 2 * types);
    double[] s = new double[batch * types * square];
    for (int c = 0; c < s.length; c++) {
      int j = c % seq;
      int i = c / seq % seq;
      int t = c / square % types;
      int b = c / square / types;
      if (spanMasked(tokenIds, b, seq, i, j, tril)) {
        s[c] = Kernels.MASKED_SPAN;
      } else if (w == null) {
        s[c] = l[c];
      } else {
        s[c] = l[(b * seq + i) * seq + j] + (w[(b * seq + j) * 2 * types + 2 * t]
            + w[(b * seq + i) * 2 * types + 2 * t + 1]) / 2;
      }
    }
    store(scores, s);
  }

  @Override
  public void spanMaskBackward(Slice dScores, Slice dLogits, Slice dBias, int[] tokenIds,
      int batch, int seq, int types, boolean tril) {
    int square = seq * seq;
    double[] d = load(dScores, (long) batch * types * square);
    double[] dl = new double[batch * (dBias == null ? types : 1) * square];
    double[] dw = dBias == null ? null : new double[batch * seq * 2 * types];
    for (int c = 0; c < d.length; c++) {
      int j = c % seq;
      int i = c / seq % seq;
      int t = c / square % types;
      int b = c / square / types;
      if (spanMasked(tokenIds, b, seq, i, j, tril)) {
        continue;
      }
      if (dw == null) {
        dl[c] = d[c];
      } else {
        dl[(b * seq + i) * seq + j] += d[c];
        dw[(b * seq + j) * 2 * types + 2 * t] += d[c] / 2;
        dw[(b * seq + i) * 2 * types + 2 * t + 1] += d[c] / 2;
      }
    }
    store(dLogits, dl);
    if (dw != null) {
      store(dBias, dw);
    }
  }

  private static boolean spanMasked(int[] tokenIds, int b, int seq, int i, int j, boolean tril) {
    return tokenIds[b * seq + i] == 0 || tokenIds[b * seq + j] == 0 || tril && i > j;
  }

  @Override
  public double spanLoss(Slice scores, int[] spans, int batch, int seq, int types, Slice dScores,
      float gradScale) {
    int cells = seq * seq;
    double[] s = load(scores, (long) batch * types * cells);
    boolean[] positive = new boolean[s.length];
    for (int k = 0; k < spans.length; k += 4) {
      positive[((spans[k] * types + spans[k + 1]) * seq + spans[k + 2]) * seq + spans[k + 3]] = true;
    }
    double[] d = new double[s.length];
    double loss = 0;
    for (int r = 0; r < batch * types; r++) {
      double neg = 1;
      double pos = 1;
      for (int c = r * cells; c < (r + 1) * cells; c++) {
        if (positive[c]) {
          pos += Math.exp(-s[c]);
        } else {
          neg += Math.exp(s[c]);
        }
      }
      loss += Math.log(neg) + Math.log(pos);
      for (int c = r * cells; c < (r + 1) * cells; c++) {
        d[c] = gradScale * (positive[c] ? -Math.exp(-s[c]) / pos : Math.exp(s[c]) / neg);
      }
    }
    store(dScores, d);
    return loss;
  }

  /** By enumerating every tag path of each sequence's non-padding positions: tiny sizes only. */
  @Override
  public double crfLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds, int batch,
      int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    int n = tagCount;
    double[] e = load(emissions, (long) batch * seq * n);
    double[] trans = load(transitions, (long) n * n);
    double[] dE = new double[e.length];
    double[] dT = load(dTransitions, (long) n * n);
    double loss = 0;
    for (int b = 0; b < batch; b++) {
      int[] at = positions(tokenIds, tags, b, seq, n, "crfLoss");
      if (at.length == 0) {
        continue;
      }
      int paths = Math.toIntExact((long) Math.pow(n, at.length));
      double[] scores = new double[paths];
      double max = Double.NEGATIVE_INFINITY;
      for (int p = 0; p < paths; p++) {
        scores[p] = pathScore(e, trans, tagPath(p, n, at.length), at, b, seq, n);
        max = Math.max(max, scores[p]);
      }
      double sum = 0;
      for (double score : scores) {
        sum += Math.exp(score - max);
      }
      double logZ = max + Math.log(sum);
      int[] gold = new int[at.length];
      for (int k = 0; k < at.length; k++) {
        gold[k] = tags[b * seq + at[k]];
      }
      loss += logZ - pathScore(e, trans, gold, at, b, seq, n);
      for (int p = 0; p < paths; p++) {
        countPath(tagPath(p, n, at.length), gradScale * Math.exp(scores[p] - logZ), at, b, seq, n,
            dE, dT);
      }
      countPath(gold, -gradScale, at, b, seq, n, dE, dT);
    }
    store(dEmissions, dE);
    store(dTransitions, dT);
    return loss;
  }

  @Override
  public double memmLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds,
      int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    int n = tagCount;
    double[] e = load(emissions, (long) batch * seq * n);
    double[] trans = load(transitions, (long) n * n);
    double[] dE = new double[e.length];
    double[] dT = load(dTransitions, (long) n * n);
    double loss = 0;
    for (int b = 0; b < batch; b++) {
      int previous = -1;
      for (int t : positions(tokenIds, tags, b, seq, n, "memmLoss")) {
        int row = (b * seq + t) * n;
        int y = tags[b * seq + t];
        double[] z = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < n; m++) {
          z[m] = e[row + m] + (previous < 0 ? 0 : trans[previous * n + m]);
          max = Math.max(max, z[m]);
        }
        double sum = 0;
        for (int m = 0; m < n; m++) {
          sum += Math.exp(z[m] - max);
        }
        loss += Math.log(sum) + max - z[y];
        for (int m = 0; m < n; m++) {
          double g = (Math.exp(z[m] - max) / sum - (m == y ? 1 : 0)) * gradScale;
          dE[row + m] = g;
          if (previous >= 0) {
            dT[previous * n + m] += g;
          }
        }
        previous = y;
      }
    }
    store(dEmissions, dE);
    store(dTransitions, dT);
    return loss;
  }

  /** The non-padding positions of sequence b, each checked to have a tag in [0, n). */
  private static int[] positions(int[] tokenIds, int[] tags, int b, int seq, int n,
      String kernel) {
    int[] at = new int[seq];
    int length = 0;
    for (int t = 0; t < seq; t++) {
      int r = b * seq + t;
      if (tokenIds[r] == 0) {
        continue;
      }
      if (tags[r] < 0 || tags[r] >= n) {
        throw new IllegalArgumentException(kernel + ": tag " + tags[r] + " of sequence " + b
            + " at position " + t + " is outside [0, " + n + ")");
      }
      at[length++] = t;
    }
    return Arrays.copyOf(at, length);
  }

  /** Path number p as tags, the first position the most significant digit in base n. */
  private static int[] tagPath(int p, int n, int length) {
    int[] y = new int[length];
    for (int k = length - 1; k >= 0; k--) {
      y[k] = p % n;
      p /= n;
    }
    return y;
  }

  private static double pathScore(double[] e, double[] trans, int[] y, int[] at, int b, int seq,
      int n) {
    double s = 0;
    for (int k = 0; k < y.length; k++) {
      s += e[(b * seq + at[k]) * n + y[k]] + (k > 0 ? trans[y[k - 1] * n + y[k]] : 0);
    }
    return s;
  }

  /** Adds {@code weight} to the gradient of each emission and transition path y uses. */
  private static void countPath(int[] y, double weight, int[] at, int b, int seq, int n,
      double[] dE, double[] dT) {
    for (int k = 0; k < y.length; k++) {
      dE[(b * seq + at[k]) * n + y[k]] += weight;
      if (k > 0) {
        dT[y[k - 1] * n + y[k]] += weight;
      }
    }
  }

  @Override
  public void optimizerStep(BoundOptimizer optimizer, Slice params, Slice grads, Slice[] state,
      long call) {
    throw new UnsupportedOperationException("not needed for gradient tests");
  }

  @Override
  public long firstNonFinite(Slice x, long count) {
    double[] v = load(x, count);
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        return i;
      }
    }
    return -1;
  }

  /** Nothing to release: memory is garbage collected. */
  @Override
  public void close() {}

  /** act(x); the identity for a null activation. */
  private static double activate(Activation activation, double x) {
    if (activation == null) {
      return x;
    }
    return switch (activation) {
      case GELU -> 0.5 * x * (1 + erf(x * SQRT_HALF));
      case GELU_TANH ->
          0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x)));
      case RELU -> Math.max(0, x);
      case SWISH -> x * sigmoid(x);
      case TANH -> Math.tanh(x);
    };
  }

  /** act'(x); 1 for a null activation, and 0 for RELU at 0. */
  private static double derivative(Activation activation, double x) {
    if (activation == null) {
      return 1;
    }
    return switch (activation) {
      case GELU -> 0.5 * (1 + erf(x * SQRT_HALF)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
      case GELU_TANH -> {
        double t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x));
        double du = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * x * x);
        yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
      }
      case RELU -> x > 0 ? 1 : 0;
      case SWISH -> sigmoid(x) * (1 + x * (1 - sigmoid(x)));
      case TANH -> 1 - Math.tanh(x) * Math.tanh(x);
    };
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  /**
   * erf(x) to double precision by its everywhere-convergent series of positive terms, erf(x) =
   * 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3···(2n+1)); ±1 beyond |x| = 6, where erfc is below 1e-16.
   */
  private static double erf(double x) {
    if (Math.abs(x) > 6) {
      return Math.signum(x);
    }
    double term = x;
    double sum = x;
    for (int n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= 2 * x * x / (2 * n + 1);
      sum += term;
    }
    return 2 * INV_SQRT_PI * Math.exp(-x * x) * sum;
  }

  /**
   * Dropout's factor for element {@code index}: 1/(1 − p) where the documented SplitMix64 draw
   * keeps it, else 0.
   */
  private static double keep(long seed, long index, float p) {
    long z = seed ^ (index * 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    double u = (z >>> 40) * 0x1.0p-24;
    return u >= p ? 1 / (1 - (double) p) : 0;
  }

  private static double[] dropped(double[] x, float p, long seed) {
    requireRate(p);
    for (int i = 0; i < x.length; i++) {
      x[i] *= keep(seed, i, p);
    }
    return x;
  }

  private static void requireRate(float p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + p);
    }
  }

  /** allowed[i][j]: whether query i of sequence b may attend to key j under {@code mask}. */
  private static boolean[][] allowed(Mask mask, int[] tokenIds, int[] segmentIds, int b, int n) {
    Objects.requireNonNull(mask, "mask");
    int[] runningSum = new int[n];
    if (mask == Mask.UNILM) {
      int sum = 0;
      for (int j = 0; j < n; j++) {
        sum += segmentIds[b * n + j];
        runningSum[j] = sum;
      }
    }
    boolean[][] allowed = new boolean[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        allowed[i][j] = tokenIds[b * n + j] != 0 && switch (mask) {
          case NONE -> true;
          case LM -> j <= i;
          case UNILM -> runningSum[j] <= runningSum[i];
        };
      }
    }
    return allowed;
  }

  private static boolean anyKey(boolean[] allowedKeys) {
    for (boolean a : allowedKeys) {
      if (a) {
        return true;
      }
    }
    return false;
  }

  private static int maxId(int[] ids, int rows) {
    int max = 0;
    for (int r = 0; r < rows; r++) {
      if (ids[r] < 0) {
        throw new IllegalArgumentException("ids[" + r + "] = " + ids[r] + " is negative");
      }
      max = Math.max(max, ids[r]);
    }
    return max;
  }

  /** The values a {@code rows × width} matrix with row stride {@code stride} spans. */
  private static long extent(int rows, int stride, int width) {
    if (stride < width) {
      throw new IllegalArgumentException("stride " + stride + " is below the row width " + width);
    }
    return rows == 0 ? 0 : (long) (rows - 1) * stride + width;
  }

  /** A copy of the {@code n} values from {@code s}. */
  private static double[] load(Slice s, long n) {
    int from = start(s, n);
    return Arrays.copyOfRange(memory(s).values(), from, from + (int) n);
  }

  private static void store(Slice s, double[] values) {
    System.arraycopy(values, 0, memory(s).values(), start(s, values.length), values.length);
  }

  /** The index of {@code s} in its array, checked to have {@code n} values from there. */
  private static int start(Slice s, long n) {
    if (n < 0 || s.offset() + n > s.memory().size()) {
      throw new IllegalArgumentException("slice at " + s.offset() + " cannot hold " + n
          + " values: its memory holds " + s.memory().size());
    }
    return (int) s.offset();
  }

  private static DoubleMemory memory(Slice s) {
    if (!(s.memory() instanceof DoubleMemory m)) {
      throw new IllegalArgumentException("not DoubleKernels memory: " + s.memory().getClass());
    }
    return m;
  }
}
