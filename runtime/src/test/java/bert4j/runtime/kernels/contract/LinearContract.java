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

import bert4j.dsl.Activation;
import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** linear, linearBackward and activationBackward against naive double references. */
public abstract class LinearContract extends KernelsContract {
  private static final int ROWS = 5;
  private static final int IN = 7;
  private static final int OUT = 6;

  static double activation(Activation a, double x) {
    if (a == null) {
      return x;
    }
    return switch (a) {
      case GELU -> 0.5 * x * (1 + KernelTesting.erf(x / Math.sqrt(2)));
      case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
      case RELU -> Math.max(0, x);
      case SWISH -> x / (1 + Math.exp(-x));
      case TANH -> Math.tanh(x);
    };
  }

  /** pre = x·wᵀ + b for x {@code [ROWS, IN]} with row stride xStride. */
  static double[] pre(double[] x, int xStride, double[] w, double[] b) {
    double[] pre = new double[ROWS * OUT];
    for (int r = 0; r < ROWS; r++) {
      for (int o = 0; o < OUT; o++) {
        double s = b == null ? 0 : b[o];
        for (int i = 0; i < IN; i++) {
          s += x[r * xStride + i] * w[o * IN + i];
        }
        pre[r * OUT + o] = s;
      }
    }
    return pre;
  }

  static double[] out(Activation a, double[] pre) {
    double[] out = new double[pre.length];
    for (int i = 0; i < pre.length; i++) {
      out[i] = activation(a, pre[i]);
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void forwardMatchesNaiveWithStridedInput(Activation activation) {
    forward(activation, IN + 3, true);
  }

  @Test
  void forwardWithoutActivationOrBias() {
    forward(null, IN, false);
  }

  private void forward(Activation activation, int xStride, boolean withBias) {
    Random random = new Random(1);
    float[] x = uniform(random, (ROWS - 1) * xStride + IN, -2, 2);
    float[] w = uniform(random, OUT * IN);
    float[] b = uniform(random, OUT);
    Slice pre = zeros(kernels, ROWS * OUT);
    Slice out = zeros(kernels, ROWS * OUT);
    kernels.linear(put(kernels, x), xStride, put(kernels, w), withBias ? put(kernels, b) : null,
        activation, pre, out, ROWS, IN, OUT);
    double[] want = pre(doubles(x), xStride, doubles(w), withBias ? doubles(b) : null);
    assertClose(want, get(kernels, pre, ROWS * OUT), 1e-5, "pre");
    assertClose(out(activation, want), get(kernels, out, ROWS * OUT), 1e-5, "out");
  }

  /** A single row: a decoding step's, which a backend may compute as a matrix-vector product. */
  @ParameterizedTest
  @EnumSource(Activation.class)
  void forwardOfOneRow(Activation activation) {
    Random random = new Random(4);
    float[] x = uniform(random, ROWS * IN, -2, 2);
    float[] w = uniform(random, OUT * IN);
    float[] b = uniform(random, OUT);
    Slice pre = zeros(kernels, OUT);
    Slice out = zeros(kernels, OUT);
    kernels.linear(put(kernels, x), IN, put(kernels, w), put(kernels, b), activation, pre, out, 1,
        IN, OUT);
    double[] want = Arrays.copyOf(pre(doubles(x), IN, doubles(w), doubles(b)), OUT);
    assertClose(want, get(kernels, pre, OUT), 1e-5, "pre");
    assertClose(out(activation, want), get(kernels, out, OUT), 1e-5, "out");
  }

  @Test
  void linearOutMayBePre() {
    Random random = new Random(2);
    float[] x = uniform(random, ROWS * IN);
    float[] w = uniform(random, OUT * IN);
    float[] b = uniform(random, OUT);
    Slice pre = zeros(kernels, ROWS * OUT);
    kernels.linear(put(kernels, x), IN, put(kernels, w), put(kernels, b), null, pre, pre, ROWS, IN,
        OUT);
    assertClose(pre(doubles(x), IN, doubles(w), doubles(b)), get(kernels, pre, ROWS * OUT), 1e-5,
        "pre");
  }

  /** A model created for inference passes pre = out: out then holds act(x·wᵀ + b). */
  @ParameterizedTest
  @EnumSource(Activation.class)
  void activatedOutMayBePre(Activation activation) {
    Random random = new Random(3);
    int xStride = IN + 2;
    float[] x = uniform(random, (ROWS - 1) * xStride + IN, -2, 2);
    float[] w = uniform(random, OUT * IN);
    float[] b = uniform(random, OUT);
    for (int rows : new int[] {1, ROWS}) {
      Slice out = zeros(kernels, rows * OUT);
      kernels.linear(put(kernels, x), xStride, put(kernels, w), put(kernels, b), activation, out,
          out, rows, IN, OUT);
      double[] want = Arrays.copyOf(out(activation, pre(doubles(x), xStride, doubles(w),
          doubles(b))), rows * OUT);
      assertClose(want, get(kernels, out, rows * OUT), 1e-5, rows + " rows, out");
    }
  }

  /**
   * A layer wide and deep enough for a backend to split it between threads (the CPU backend cuts the
   * output columns into one block per thread, the last block narrower), pre kept and not kept.
   */
  @Test
  void wideLayerMatchesNaive() {
    Random random = new Random(6);
    int rows = 40;
    int in = 33;
    int out = 300;
    int xStride = in + 1;
    float[] x = uniform(random, (rows - 1) * xStride + in, -1, 1);
    float[] w = uniform(random, out * in, -0.3, 0.3);
    float[] b = uniform(random, out);
    double[] want = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = b[o];
        for (int i = 0; i < in; i++) {
          s += (double) x[r * xStride + i] * w[o * in + i];
        }
        want[r * out + o] = s;
      }
    }
    Slice pre = zeros(kernels, rows * out);
    Slice activated = zeros(kernels, rows * out);
    kernels.linear(put(kernels, x), xStride, put(kernels, w), put(kernels, b), Activation.GELU, pre,
        activated, rows, in, out);
    assertClose(want, get(kernels, pre, rows * out), 1e-5, "pre");
    assertClose(out(Activation.GELU, want), get(kernels, activated, rows * out), 1e-5, "out");
    Slice inPlace = zeros(kernels, rows * out);
    kernels.linear(put(kernels, x), xStride, put(kernels, w), put(kernels, b), Activation.GELU,
        inPlace, inPlace, rows, in, out);
    assertClose(out(Activation.GELU, want), get(kernels, inPlace, rows * out), 1e-5,
        "out where pre is out");
  }

  /** Σ wObj ⊙ act(x·wᵀ + b), the objective whose gradients the backward must give. */
  private static double objective(float[] wObj, Activation a, double[] x, int xStride, double[] w,
      double[] b) {
    return KernelTesting.dot(wObj, out(a, pre(x, xStride, w, b)));
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void backwardMatchesFiniteDifferencesAccumulating(Activation activation) {
    backward(activation, true, true);
  }

  @Test
  void backwardOverwritesDxWhenNotAccumulating() {
    backward(Activation.GELU, false, true);
  }

  @Test
  void backwardOverwritesDwAndDBiasWhenNotAccumulatingThem() {
    backward(Activation.GELU, true, false);
    backward(null, false, false);
  }

  @Test
  void backwardWithoutActivation() {
    backward(null, true, true);
  }

  /** Over zero rows, overwritten parameter gradients are zeros and accumulated ones stay. */
  @Test
  void backwardOverZeroRows() {
    Random random = new Random(6);
    float[] dw0 = uniform(random, OUT * IN);
    float[] db0 = uniform(random, OUT);
    for (boolean accumulate : new boolean[] {true, false}) {
      Slice dw = put(kernels, dw0);
      Slice db = put(kernels, db0);
      kernels.linearBackward(zeros(kernels, OUT), zeros(kernels, IN), IN, zeros(kernels, OUT * IN),
          null, 0, false, dw, db, accumulate, 0, IN, OUT);
      assertArrayEquals(accumulate ? dw0 : new float[OUT * IN], get(kernels, dw, OUT * IN), "dw");
      assertArrayEquals(accumulate ? db0 : new float[OUT], get(kernels, db, OUT), "dBias");
    }
  }

  /**
   * Strided x and dx whose gaps must stay untouched; dw and dBias start non-zero and must be
   * accumulated into when {@code accumulateParams} (else overwritten); dx too when
   * {@code accumulateDx}.
   */
  private void backward(Activation activation, boolean accumulateDx, boolean accumulateParams) {
    Random random = new Random(3);
    int xStride = IN + 2;
    int dxStride = IN + 1;
    float[] x = uniform(random, (ROWS - 1) * xStride + IN, -2, 2);
    float[] w = uniform(random, OUT * IN);
    float[] b = uniform(random, OUT);
    float[] wObj = uniform(random, ROWS * OUT);
    float[] dx0 = uniform(random, (ROWS - 1) * dxStride + IN);
    float[] dw0 = uniform(random, OUT * IN);
    float[] db0 = uniform(random, OUT);
    Slice xs = put(kernels, x);
    Slice ws = put(kernels, w);
    Slice pre = zeros(kernels, ROWS * OUT);
    Slice out = zeros(kernels, ROWS * OUT);
    kernels.linear(xs, xStride, ws, put(kernels, b), activation, pre, out, ROWS, IN, OUT);
    Slice dPre = zeros(kernels, ROWS * OUT);
    kernels.activationBackward(activation, pre, put(kernels, wObj), dPre, ROWS * OUT);
    Slice dx = put(kernels, dx0);
    Slice dw = put(kernels, dw0);
    Slice db = put(kernels, db0);
    kernels.linearBackward(dPre, xs, xStride, ws, dx, dxStride, accumulateDx, dw, db,
        accumulateParams, ROWS, IN, OUT);

    double[] xd = doubles(x);
    double[] wd = doubles(w);
    double[] bd = doubles(b);
    double[] gx = gradient(v -> objective(wObj, activation, v, xStride, wd, bd), xd);
    double[] gw = gradient(v -> objective(wObj, activation, xd, xStride, v, bd), wd);
    double[] gb = gradient(v -> objective(wObj, activation, xd, xStride, wd, v), bd);

    float[] dxGot = get(kernels, dx, dx0.length);
    float[] dxRows = new float[ROWS * IN];
    double[] gxRows = new double[ROWS * IN];
    for (int r = 0; r < ROWS; r++) {
      for (int i = 0; i < IN; i++) {
        dxRows[r * IN + i] = dxGot[r * dxStride + i] - (accumulateDx ? dx0[r * dxStride + i] : 0);
        gxRows[r * IN + i] = gx[r * xStride + i];
      }
      for (int i = IN; i < dxStride && r < ROWS - 1; i++) {
        assertEquals(dx0[r * dxStride + i], dxGot[r * dxStride + i], "dx gap was written");
      }
    }
    assertGradient(gxRows, dxRows, "dx");
    float[] dwGot = get(kernels, dw, OUT * IN);
    float[] dbGot = get(kernels, db, OUT);
    assertGradient(gw, accumulateParams ? minus(dwGot, dw0) : dwGot, "dw");
    assertGradient(gb, accumulateParams ? minus(dbGot, db0) : dbGot, "dBias");
  }

  @Test
  void backwardWithoutDxStillGivesWeightGradients() {
    Random random = new Random(4);
    float[] x = uniform(random, ROWS * IN);
    float[] w = uniform(random, OUT * IN);
    float[] dPre = uniform(random, ROWS * OUT);
    Slice dw = zeros(kernels, OUT * IN);
    Slice db = zeros(kernels, OUT);
    kernels.linearBackward(put(kernels, dPre), put(kernels, x), IN, put(kernels, w), null, 0, false,
        dw, db, true, ROWS, IN, OUT);
    double[] wantDw = new double[OUT * IN];
    double[] wantDb = new double[OUT];
    for (int r = 0; r < ROWS; r++) {
      for (int o = 0; o < OUT; o++) {
        wantDb[o] += dPre[r * OUT + o];
        for (int i = 0; i < IN; i++) {
          wantDw[o * IN + i] += dPre[r * OUT + o] * x[r * IN + i];
        }
      }
    }
    assertClose(wantDw, get(kernels, dw, OUT * IN), 1e-5, "dw");
    assertClose(wantDb, get(kernels, db, OUT), 1e-5, "dBias");
  }

  /** The pooler's case: the [CLS] rows of a [batch, seq, hidden] tensor, row stride seq·hidden. */
  @Test
  void clsRowsReadWithSequenceStride() {
    Random random = new Random(5);
    int seq = 4;
    int stride = seq * IN;
    float[] hidden = uniform(random, ROWS * stride);
    float[] w = uniform(random, OUT * IN);
    float[] wObj = uniform(random, ROWS * OUT);
    Slice hs = put(kernels, hidden);
    Slice ws = put(kernels, w);
    Slice pre = zeros(kernels, ROWS * OUT);
    Slice out = zeros(kernels, ROWS * OUT);
    kernels.linear(hs, stride, ws, null, Activation.GELU_TANH, pre, out, ROWS, IN, OUT);
    double[] want = pre(doubles(hidden), stride, doubles(w), null);
    assertClose(out(Activation.GELU_TANH, want), get(kernels, out, ROWS * OUT), 1e-5, "out");

    Slice dPre = zeros(kernels, ROWS * OUT);
    kernels.activationBackward(Activation.GELU_TANH, pre, put(kernels, wObj), dPre, ROWS * OUT);
    Slice dHidden = zeros(kernels, ROWS * stride);
    kernels.linearBackward(dPre, hs, stride, ws, dHidden, stride, false, zeros(kernels, OUT * IN),
        null, true, ROWS, IN, OUT);
    double[] hd = doubles(hidden);
    double[] g = gradient(v -> objective(wObj, Activation.GELU_TANH, v, stride, doubles(w), null), hd);
    float[] got = get(kernels, dHidden, ROWS * stride);
    assertGradient(g, got, "dHidden");
    for (int r = 0; r < ROWS; r++) {
      float[] rest = Arrays.copyOfRange(got, r * stride + IN, (r + 1) * stride);
      assertArrayEquals(new float[rest.length], rest, "non-[CLS] positions must stay zero");
    }
  }

  /** dPre = dOut ⊙ act'(pre) over a wide range, including the tails, against finite differences. */
  @ParameterizedTest
  @EnumSource(Activation.class)
  void activationBackwardMatchesFiniteDifferences(Activation activation) {
    int n = 3000;
    float[] pre = new float[n];
    for (int i = 0; i < n; i++) {
      pre[i] = (float) (-9 + 18.0 * i / n + 1e-3);
    }
    float[] dOut = uniform(new Random(6), n);
    Slice dPre = zeros(kernels, n);
    kernels.activationBackward(activation, put(kernels, pre), put(kernels, dOut), dPre, n);
    double[] want = new double[n];
    for (int i = 0; i < n; i++) {
      double x = pre[i];
      double h = 1e-6;
      want[i] = dOut[i] * (activation(activation, x + h) - activation(activation, x - h)) / (2 * h);
    }
    float[] got = get(kernels, dPre, n);
    assertGradient(want, got, "dPre");
    assertClose(want, got, 2e-6, "dPre");
  }

  /** dPre may be dOut. */
  @Test
  void activationBackwardInPlace() {
    float[] pre = uniform(new Random(7), 100, -3, 3);
    float[] dOut = uniform(new Random(8), 100);
    Slice d = put(kernels, dOut);
    kernels.activationBackward(Activation.SWISH, put(kernels, pre), d, d, 100);
    double[] want = new double[100];
    for (int i = 0; i < 100; i++) {
      double s = 1 / (1 + Math.exp(-pre[i]));
      want[i] = dOut[i] * (s + pre[i] * s * (1 - s));
    }
    assertClose(want, get(kernels, d, 100), 1e-6, "dPre");
  }

  /** The fused epilogue's activations over a dense grid, to float precision of the exact functions. */
  @ParameterizedTest
  @EnumSource(Activation.class)
  void activationsAreAccurateOverAWideRange(Activation activation) {
    int n = 20001;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (-10 + 20.0 * i / (n - 1));
    }
    Slice pre = zeros(kernels, n);
    Slice out = zeros(kernels, n);
    Slice one = put(kernels, new float[] {1f});
    kernels.linear(put(kernels, x), 1, one, null, activation, pre, out, n, 1, 1);
    float[] got = get(kernels, out, n);
    for (int i = 0; i < n; i++) {
      double want = activation(activation, x[i]);
      double err = Math.abs(got[i] - want);
      double allowed = 1e-6 * Math.max(1, Math.abs(want));
      if (err > allowed) {
        throw new AssertionError(activation + "(" + x[i] + "): got " + got[i] + ", want " + want);
      }
    }
  }
}
