package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * rotary: the RoFormer rotation against the naive formula in double, the inverse undoing it and
 * being its backward (the transposed rotation), and positions counted from 0 in every sequence.
 */
public abstract class RotaryContract extends KernelsContract {
  /** A shape large enough to be split over threads, with angles up to 129 radians. */
  private static final int BATCH = 3;
  private static final int SEQ = 130;
  private static final int HEADS = 4;
  private static final int SIZE = 64;
  private static final int COUNT = BATCH * SEQ * HEADS * SIZE;

  /** x rotated by sign·p·θᵢ per pair, in double. */
  static double[] rotary(double[] x, int batch, int seq, int heads, int size, double sign) {
    double[] out = x.clone();
    for (int row = 0; row < batch * seq; row++) {
      int p = row % seq;
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < size / 2; i++) {
          double angle = sign * p * Math.pow(10000.0, -2.0 * i / size);
          int j = (row * heads + h) * size + 2 * i;
          out[j] = x[j] * Math.cos(angle) - x[j + 1] * Math.sin(angle);
          out[j + 1] = x[j + 1] * Math.cos(angle) + x[j] * Math.sin(angle);
        }
      }
    }
    return out;
  }

  @ParameterizedTest(name = "inverse {0}")
  @ValueSource(booleans = {false, true})
  void matchesTheNaiveFormula(boolean inverse) {
    float[] x = uniform(new Random(1), COUNT, -2, 2);
    Slice xs = put(kernels, x);
    kernels.rotary(xs, BATCH, SEQ, HEADS, SIZE, inverse);
    double[] want = rotary(doubles(x), BATCH, SEQ, HEADS, SIZE, inverse ? -1 : 1);
    assertClose(want, get(kernels, xs, COUNT), 2e-6, "x");
  }

  @Test
  void inverseUndoesTheRotation() {
    float[] x = uniform(new Random(2), COUNT, -2, 2);
    Slice xs = put(kernels, x);
    kernels.rotary(xs, BATCH, SEQ, HEADS, SIZE, false);
    kernels.rotary(xs, BATCH, SEQ, HEADS, SIZE, true);
    assertClose(doubles(x), get(kernels, xs, COUNT), 2e-6, "x after rotary and its inverse");
  }

  /** The inverse applied to w is ∂(Σ w·rotary(x))/∂x, by finite differences. */
  @Test
  void inverseIsTheBackward() {
    Random random = new Random(3);
    int batch = 2;
    int seq = 5;
    int heads = 2;
    int size = 6;
    int count = batch * seq * heads * size;
    double[] x = doubles(uniform(random, count, -2, 2));
    float[] w = uniform(random, count);
    Slice ws = put(kernels, w);
    kernels.rotary(ws, batch, seq, heads, size, true);
    double[] want = gradient(v -> KernelTesting.dot(w, rotary(v, batch, seq, heads, size, 1)), x);
    assertGradient(want, get(kernels, ws, count), "dx");
  }

  /** Every sequence of the batch starts at position 0, which is not turned at all. */
  @Test
  void positionsRestartInEverySequence() {
    int width = HEADS * SIZE;
    int length = SEQ * width;
    float[] sequence = uniform(new Random(4), length, -2, 2);
    float[] x = new float[COUNT];
    for (int b = 0; b < BATCH; b++) {
      System.arraycopy(sequence, 0, x, b * length, length);
    }
    Slice xs = put(kernels, x);
    kernels.rotary(xs, BATCH, SEQ, HEADS, SIZE, false);
    float[] got = get(kernels, xs, COUNT);
    for (int b = 1; b < BATCH; b++) {
      assertArrayEquals(Arrays.copyOf(got, length),
          Arrays.copyOfRange(got, b * length, (b + 1) * length),
          "sequence " + b + " must turn as the first");
    }
    assertArrayEquals(Arrays.copyOf(sequence, width), Arrays.copyOf(got, width),
        "position 0 must be left as it is");
  }
}
