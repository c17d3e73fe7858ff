package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.dsl.Activation;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bf16 and int8 linear layers (oneDNN) against a float64 reference within each format's error
 * bound, their refresh when weights are written again, the refusal to train, and the float32
 * fallback where a precision is unavailable. The reduced-precision cases run where this machine
 * can (oneDNN loads, the CPU has AVX-512 BF16 / VNNI); elsewhere they are skipped.
 */
class PackedLinearTest {
  /**
   * rows, in, out, input row stride: several row counts share each weight shape's layout; the last
   * is converted in row chunks on both threads and multiplied in two column blocks (160 and 140).
   */
  private static final int[][] SHAPES = {
      {64, 96, 80, 96}, {7, 96, 80, 100}, {2, 96, 80, 96}, {1, 96, 80, 96}, {33, 200, 48, 200},
      {300, 128, 300, 130}};

  private static CpuKernels kernels(Precision precision) {
    String reason = ReducedPrecision.unavailableReason(precision);
    assumeTrue(reason == null, () -> precision + " unavailable here: " + reason);
    CpuKernels k = new CpuKernels(2, CpuMemory.DEFAULT_STRIDE, precision, null);
    assertEquals(precision, k.precision());
    return k;
  }

  @ParameterizedTest
  @EnumSource(value = Precision.class, names = {"BF16", "INT8"})
  void matchesFloat64WithinTheFormatsBound(Precision precision) {
    try (CpuKernels k = kernels(precision)) {
      Random random = new Random(13);
      for (int[] shape : SHAPES) {
        Case c = new Case(k, shape[0], shape[1], shape[2], shape[3], random);
        c.run(k, null);
        c.check(k, precision);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = Precision.class, names = {"BF16", "INT8"})
  void preparesWeightsAgainAfterTheyAreWritten(Precision precision) {
    try (CpuKernels k = kernels(precision)) {
      Random random = new Random(5);
      Case c = new Case(k, 48, 64, 40, 64, random);
      c.run(k, null);
      c.check(k, precision);
      for (int i = 0; i < c.w.length; i++) {
        c.w[i] = (float) random.nextGaussian();
      }
      k.write(c.w, 0, c.wSlice, c.w.length);
      c.run(k, null);
      c.check(k, precision);
    }
  }

  /**
   * The activation oneDNN applies as it writes each column block (the output is the pre-activation
   * too) equals the same reduced-precision product activated afterwards in Java.
   */
  @ParameterizedTest
  @EnumSource(value = Precision.class, names = {"BF16", "INT8"})
  void appliesTheActivationAsItWritesEachBlock(Precision precision) {
    try (CpuKernels k = kernels(precision)) {
      Case c = new Case(k, 300, 128, 300, 130, new Random(21));
      c.run(k, Activation.GELU);
      float[] afterwards = c.read(k);
      k.linear(c.xSlice, c.stride, c.wSlice, c.biasSlice, Activation.GELU, c.outSlice, c.outSlice,
          c.rows, c.in, c.out);
      float[] fused = c.read(k);
      for (int i = 0; i < fused.length; i++) {
        assertEquals(afterwards[i], fused[i], 1e-5 * (1 + Math.abs(afterwards[i])), "output " + i);
      }
      assertEquals(2, k.preparedWeights(), "one packed matrix per column block");
    }
  }

  @Test
  void freesPreparedWeightsOfClosedMemory() {
    try (CpuKernels k = kernels(Precision.INT8)) {
      Case first = new Case(k, 8, 32, 16, 32, new Random(2));
      first.run(k, null);
      assertEquals(1, k.preparedWeights());
      first.params.close();
      Case second = new Case(k, 8, 32, 16, 32, new Random(4));
      second.run(k, null);
      second.check(k, Precision.INT8);
      assertEquals(1, k.preparedWeights());
    }
  }

  @Test
  void refusesTheBackwardPass() {
    try (CpuKernels k = kernels(Precision.BF16)) {
      Case c = new Case(k, 4, 8, 8, 8, new Random(1));
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> k.linearBackward(c.preSlice, c.xSlice, 8, c.wSlice, null, 8, false, c.wSlice, null,
              true, 4, 8, 8));
      assertTrue(e.getMessage().contains("inference"), e.getMessage());
    }
  }

  @Test
  void fallsBackToFloat32WithOneLogLine() {
    List<LogRecord> records = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger logger = Logger.getLogger(ReducedPrecision.class.getName());
    logger.addHandler(handler);
    try (CpuKernels fallback = new CpuKernels(2, CpuMemory.DEFAULT_STRIDE, Precision.INT8,
        "the CPU lacks VNNI and AMX (test)");
        CpuKernels float32 = new CpuKernels(2)) {
      assertEquals(Precision.FLOAT32, fallback.precision());
      assertEquals(1, records.size());
      assertTrue(records.get(0).getMessage().contains("INT8")
          && records.get(0).getMessage().contains("lacks VNNI"), records.get(0).getMessage());
      Case a = new Case(fallback, 16, 32, 24, 32, new Random(3));
      Case b = new Case(float32, 16, 32, 24, 32, new Random(3));
      a.run(fallback, Activation.GELU);
      b.run(float32, Activation.GELU);
      assertArrayEquals(b.read(float32), a.read(fallback));
    } finally {
      logger.removeHandler(handler);
    }
  }

  @Test
  void saysWhichIsaEachPrecisionNeeds() {
    assertEquals(null, OneDnn.unsupportedReason(Precision.BF16, 0xe7));
    assertEquals(null, OneDnn.unsupportedReason(Precision.INT8, 0x67));
    assertTrue(OneDnn.unsupportedReason(Precision.BF16, 0x67).contains("BF16"));
    assertTrue(OneDnn.unsupportedReason(Precision.INT8, 0x27).contains("VNNI"));
    assertEquals(null, OneDnn.unsupportedReason(Precision.FLOAT32, 0));
  }

  /** One product's data and memory: x {@code [rows, stride]}, w {@code [out, in]}, bias. */
  private static final class Case {
    final int rows;
    final int in;
    final int out;
    final int stride;
    final float[] x;
    final float[] w;
    final float[] bias;
    final Slice xSlice;
    final Slice wSlice;
    final Slice biasSlice;
    final Slice preSlice;
    final Slice outSlice;
    final Memory params;

    Case(CpuKernels k, int rows, int in, int out, int stride, Random random) {
      this.rows = rows;
      this.in = in;
      this.out = out;
      this.stride = stride;
      x = new float[rows * stride];
      w = new float[out * in];
      bias = new float[out];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (random.nextGaussian() * (1 + (i % 17 == 0 ? 6 : 0)));
      }
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (random.nextGaussian() * 0.05);
      }
      for (int i = 0; i < out; i++) {
        bias[i] = (float) random.nextGaussian();
      }
      params = k.allocate(w.length + out);
      Memory arena = k.allocate(x.length + 2L * rows * out);
      wSlice = new Slice(params, 0);
      biasSlice = new Slice(params, w.length);
      xSlice = new Slice(arena, 0);
      preSlice = new Slice(arena, x.length);
      outSlice = new Slice(arena, x.length + (long) rows * out);
      k.write(w, 0, wSlice, w.length);
      k.write(bias, 0, biasSlice, out);
      k.write(x, 0, xSlice, x.length);
    }

    void run(CpuKernels k, Activation activation) {
      k.linear(xSlice, stride, wSlice, biasSlice, activation, preSlice, outSlice, rows, in, out);
    }

    float[] read(CpuKernels k) {
      float[] y = new float[rows * out];
      k.read(outSlice, y, 0, y.length);
      return y;
    }

    /**
     * Each output within its bound of the float64 product: bf16 rounds both operands to 8
     * significant bits (relative error ≤ 2⁻⁸ each), so |error| ≤ (2·2⁻⁸ + 2⁻¹⁶)·Σ|x||w|; int8
     * rounds x to the matrix's step sx = max|x|/127 and w to its channel's step sw, so |error| ≤
     * Σ(|x|·sw/2 + |w|·sx/2 + sx·sw/4). A small float32 slack covers the accumulation. A row
     * count of 1 runs float32 (sgemv), held to 1e-4 relative.
     */
    void check(CpuKernels k, Precision requested) {
      Precision effective = k.precision();
      float[] got = read(k);
      double worst = 0;
      double max = 0;
      for (int r = 0; r < rows; r++) {
        for (int i = 0; i < in; i++) {
          max = Math.max(max, Math.abs(x[r * stride + i]));
        }
      }
      double sx = max / 127;
      for (int r = 0; r < rows; r++) {
        for (int o = 0; o < out; o++) {
          double exact = bias[o];
          double magnitude = 0;
          double wMax = 0;
          for (int i = 0; i < in; i++) {
            wMax = Math.max(wMax, Math.abs(w[o * in + i]));
          }
          double sw = wMax / 127;
          double int8Bound = 0;
          for (int i = 0; i < in; i++) {
            double xv = x[r * stride + i];
            double wv = w[o * in + i];
            exact += xv * wv;
            magnitude += Math.abs(xv * wv);
            int8Bound += Math.abs(xv) * sw / 2 + Math.abs(wv) * sx / 2 + sx * sw / 4;
          }
          double bound = rows == 1 || effective == Precision.FLOAT32 ? 1e-4 * (magnitude + 1)
              : requested == Precision.BF16 ? (2.0 / 256 + 1.0 / 65536) * magnitude
              : int8Bound;
          bound += 1e-5 * (magnitude + Math.abs(bias[o]));
          worst = Math.max(worst, Math.abs(got[r * out + o] - exact) / bound);
        }
      }
      assertTrue(worst <= 1, requested + " " + rows + "×" + in + "×" + out + ": error "
          + worst + " of its bound");
    }
  }
}
