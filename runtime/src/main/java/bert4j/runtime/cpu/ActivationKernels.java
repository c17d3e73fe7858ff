package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.FloatMath.GELU_TANH_CUBIC;
import static bert4j.runtime.cpu.FloatMath.INV_SQRT_2PI;
import static bert4j.runtime.cpu.FloatMath.SQRT_2_OVER_PI;
import static bert4j.runtime.cpu.FloatMath.SQRT_HALF;

import bert4j.dsl.Activation;
import java.nio.FloatBuffer;

/**
 * The elementwise work around a dense layer: the fused epilogue pre += bias, out = act(pre) after the
 * gemm, and dPre = dOut ⊙ act'(pre). Activations: GELU (exact erf), GELU_TANH, RELU, SWISH (x·σ(x)), TANH;
 * null is the identity. GELU_TANH uses ½(1 + tanh u) = σ(2u).
 *
 * <p>Where oneDNN loaded, an activation without a bias to add, and every derivative, run through
 * oneDNN's eltwise primitives ({@link OneDnnEltwise}), in blocks on the pool's threads; else (and
 * for a bias) through the Java loops below, which C2 vectorizes.
 */
final class ActivationKernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;
  /** oneDNN's eltwise primitives, or null where oneDNN did not load. */
  private final OneDnnEltwise eltwise;

  private FloatBuffer pre;
  private FloatBuffer out;
  private FloatBuffer bias;
  private FloatBuffer dOut;
  private int preOff;
  private int outOff;
  private int biasOff;
  private int dOutOff;
  private int width;
  private long count;
  private Activation activation;
  private final ParallelRows.Task epilogue = this::epilogueRows;
  private final ParallelRows.Task derivative = this::derivativeChunks;

  private long srcAddress;
  private long dOutAddress;
  private long outAddress;
  private int blocks;
  private OneDnnEltwise.Primitive fullBlock;
  private OneDnnEltwise.Primitive lastBlock;
  private final ParallelRows.Task eltwiseBlocks = this::eltwiseBlocks;

  ActivationKernels(ParallelRows pool, Scratch[] scratch, OneDnnEltwise eltwise) {
    this.pool = pool;
    this.scratch = scratch;
    this.eltwise = eltwise;
  }

  /**
   * For {@code rows} rows of {@code width}: pre += bias (bias may be null), out = act(pre). With a
   * null activation, out is a copy of pre (nothing to do when out is pre and bias is null).
   */
  void epilogue(CpuWindow pre, int preOff, CpuWindow bias, int biasOff, Activation activation,
      CpuWindow out, int outOff, int rows, int width) {
    if (bias == null && activation == null && pre == out && preOff == outOff) {
      return;
    }
    if (eltwise != null && bias == null && activation != null) {
      eltwise(activation, false, pre, preOff, null, 0, out, outOff, (long) rows * width);
      return;
    }
    this.pre = pre.floats();
    this.preOff = preOff;
    this.bias = bias == null ? null : bias.floats();
    this.biasOff = biasOff;
    this.activation = activation;
    this.out = out.floats();
    this.outOff = outOff;
    this.width = width;
    pool.run(rows, width * costPerElement(activation), epilogue);
    this.pre = this.out = this.bias = null;
  }

  /** dPre = dOut ⊙ act'(pre) over {@code count} floats; dPre may be dOut. */
  void derivative(Activation activation, CpuWindow pre, int preOff, CpuWindow dOut, int dOutOff,
      CpuWindow dPre, int dPreOff, long count) {
    if (eltwise != null && activation != null) {
      eltwise(activation, true, pre, preOff, dOut, dOutOff, dPre, dPreOff, count);
      return;
    }
    this.activation = activation;
    this.pre = pre.floats();
    this.preOff = preOff;
    this.dOut = dOut.floats();
    this.dOutOff = dOutOff;
    this.out = dPre.floats();
    this.outOff = dPreOff;
    this.count = count;
    int chunks = (int) ((count + Scratch.CHUNK - 1) / Scratch.CHUNK);
    pool.run(chunks, Scratch.CHUNK * costPerElement(activation), derivative);
    this.pre = this.out = this.dOut = null;
  }

  /**
   * out = act(src), or (backward) out = dOut ⊙ act'(src), over {@code count} floats by oneDNN in
   * blocks of {@link OneDnnEltwise#BLOCK}.
   */
  private void eltwise(Activation activation, boolean backward, CpuWindow src, int srcOff,
      CpuWindow dOut, int dOutOff, CpuWindow out, int outOff, long count) {
    if (count == 0) {
      return;
    }
    blocks = (int) ((count + OneDnnEltwise.BLOCK - 1) / OneDnnEltwise.BLOCK);
    fullBlock = blocks > 1 ? eltwise.prepare(activation, backward, OneDnnEltwise.BLOCK) : null;
    lastBlock = eltwise.prepare(activation, backward,
        (int) (count - (long) (blocks - 1) * OneDnnEltwise.BLOCK));
    srcAddress = src.address() + 4L * srcOff;
    dOutAddress = dOut == null ? 0 : dOut.address() + 4L * dOutOff;
    outAddress = out.address() + 4L * outOff;
    try {
      pool.run(blocks, (long) OneDnnEltwise.BLOCK * costPerElement(activation), eltwiseBlocks);
    } finally {
      fullBlock = lastBlock = null;
    }
  }

  private void eltwiseBlocks(int thread, int from, int to) {
    for (int block = from; block < to; block++) {
      long bytes = 4L * block * OneDnnEltwise.BLOCK;
      eltwise.run(thread, block == blocks - 1 ? lastBlock : fullBlock, srcAddress + bytes,
          dOutAddress == 0 ? 0 : dOutAddress + bytes, outAddress + bytes);
    }
  }

  private static int costPerElement(Activation activation) {
    return activation == null || activation == Activation.RELU ? 2 : 20;
  }

  private void epilogueRows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] x = s.a;
    float[] y = s.b;
    float[] bb = s.c;
    for (int c0 = 0; c0 < width; c0 += Scratch.CHUNK) {
      int n = Math.min(Scratch.CHUNK, width - c0);
      if (bias != null) {
        bias.get(biasOff + c0, bb, 0, n);
      }
      for (int r = from; r < to; r++) {
        int p = preOff + r * width + c0;
        pre.get(p, x, 0, n);
        if (bias != null) {
          for (int i = 0; i < n; i++) {
            x[i] += bb[i];
          }
          pre.put(p, x, 0, n);
        }
        if (activation == null) {
          out.put(outOff + r * width + c0, x, 0, n);
        } else {
          forward(activation, x, y, n, s);
          out.put(outOff + r * width + c0, y, 0, n);
        }
      }
    }
  }

  /** y = act(x) over n floats; y is not x. */
  static void forward(Activation activation, float[] x, float[] y, int n, Scratch s) {
    switch (activation) {
      case GELU -> {
        for (int i = 0; i < n; i++) {
          float v = x[i];
          y[i] = 0.5f * v * (1f + FloatMath.erf(v * SQRT_HALF));
        }
      }
      case GELU_TANH -> {
        for (int i = 0; i < n; i++) {
          float v = x[i];
          y[i] = -2f * SQRT_2_OVER_PI * (v + GELU_TANH_CUBIC * v * v * v);
        }
        FloatMath.exp(y, y, n, s);
        for (int i = 0; i < n; i++) {
          y[i] = x[i] / (1f + y[i]);
        }
      }
      case RELU -> {
        for (int i = 0; i < n; i++) {
          y[i] = Math.max(x[i], 0f);
        }
      }
      case SWISH -> {
        for (int i = 0; i < n; i++) {
          y[i] = -x[i];
        }
        FloatMath.exp(y, y, n, s);
        for (int i = 0; i < n; i++) {
          y[i] = x[i] / (1f + y[i]);
        }
      }
      case TANH -> tanh(x, y, n, s);
    }
  }

  /** y = tanh(x) = 1 − 2 / (1 + e^{2x}); saturates cleanly at ±1 when e^{2x} over- or underflows. */
  private static void tanh(float[] x, float[] y, int n, Scratch s) {
    for (int i = 0; i < n; i++) {
      y[i] = 2f * x[i];
    }
    FloatMath.exp(y, y, n, s);
    for (int i = 0; i < n; i++) {
      y[i] = 1f - 2f / (1f + y[i]);
    }
  }

  private void derivativeChunks(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] x = s.a;
    float[] g = s.b;
    float[] d = s.c;
    for (int chunk = from; chunk < to; chunk++) {
      long start = (long) chunk * Scratch.CHUNK;
      int n = (int) Math.min(Scratch.CHUNK, count - start);
      dOut.get(dOutOff + (int) start, g, 0, n);
      if (activation != null) {
        pre.get(preOff + (int) start, x, 0, n);
        derivative(activation, x, d, n, s);
        for (int i = 0; i < n; i++) {
          g[i] *= d[i];
        }
      }
      out.put(outOff + (int) start, g, 0, n);
    }
  }

  /** d = act'(x) over n floats; d is not x. */
  static void derivative(Activation activation, float[] x, float[] d, int n, Scratch s) {
    switch (activation) {
      case GELU -> {
        for (int i = 0; i < n; i++) {
          d[i] = -0.5f * x[i] * x[i];
        }
        FloatMath.exp(d, d, n, s);
        for (int i = 0; i < n; i++) {
          float v = x[i];
          d[i] = 0.5f * (1f + FloatMath.erf(v * SQRT_HALF)) + v * INV_SQRT_2PI * d[i];
        }
      }
      case GELU_TANH -> {
        for (int i = 0; i < n; i++) {
          float v = x[i];
          d[i] = -2f * SQRT_2_OVER_PI * (v + GELU_TANH_CUBIC * v * v * v);
        }
        FloatMath.exp(d, d, n, s);
        for (int i = 0; i < n; i++) {
          float v = x[i];
          float sig = 1f / (1f + d[i]);
          float du = SQRT_2_OVER_PI * (1f + 3f * GELU_TANH_CUBIC * v * v);
          d[i] = sig + 2f * v * sig * (1f - sig) * du;
        }
      }
      case RELU -> {
        for (int i = 0; i < n; i++) {
          d[i] = x[i] > 0f ? 1f : 0f;
        }
      }
      case SWISH -> {
        for (int i = 0; i < n; i++) {
          d[i] = -x[i];
        }
        FloatMath.exp(d, d, n, s);
        for (int i = 0; i < n; i++) {
          float sig = 1f / (1f + d[i]);
          d[i] = sig * (1f + x[i] * (1f - sig));
        }
      }
      case TANH -> {
        tanh(x, d, n, s);
        for (int i = 0; i < n; i++) {
          d[i] = 1f - d[i] * d[i];
        }
      }
    }
  }
}
