package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.dsl.Activation;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A feed-forward's activations declared to {@code linearIntermediate}: bf16 kernels write them in
 * bf16 and the next product reads them so, with the same bits as the undeclared path (which rounds
 * the float32 activations to bf16 before the same product); a read in between gets float32 back;
 * float32 and int8 kernels ignore the declaration.
 */
class HeldIntermediatesTest {
  /** rows, in, inner, out: the inner product in two column blocks, 1 row on the float32 path. */
  private static final int[][] SHAPES = {{64, 96, 200, 80}, {7, 96, 200, 80}, {1, 96, 200, 80},
      {300, 128, 300, 48}};

  private static CpuKernels kernels(Precision precision) {
    String reason = ReducedPrecision.unavailableReason(precision);
    assumeTrue(reason == null, () -> precision + " unavailable here: " + reason);
    return new CpuKernels(2, CpuMemory.DEFAULT_STRIDE, precision, null);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void theSecondProductGivesTheSameBitsAsWithoutTheDeclaration(Precision precision) {
    try (CpuKernels k = kernels(precision)) {
      Random random = new Random(3);
      long bf16Reads = 0;
      for (int[] s : SHAPES) {
        FeedForward f = new FeedForward(k, s[0], s[1], s[2], s[3], random);
        f.run(k, f.plainHidden, f.plainOut);
        f.run(k, f.declaredHidden, f.declaredOut);
        assertArrayEquals(f.read(k, f.plainOut), f.read(k, f.declaredOut),
            () -> precision + " " + s[0] + " rows");
        bf16Reads += precision == Precision.BF16 && s[0] > 1 ? 1 : 0;
      }
      assertEquals(bf16Reads, k.intermediatesReadInBf16(), "products that skipped the conversion");
    }
  }

  @Test
  void aReadInBetweenGetsTheBf16ValuesAsFloat32AndTheProductStillAgrees() {
    try (CpuKernels k = kernels(Precision.BF16)) {
      FeedForward f = new FeedForward(k, 64, 96, 200, 80, new Random(8));
      f.run(k, f.plainHidden, f.plainOut);
      k.linear(f.x, f.in, f.w1, f.b1, Activation.GELU, f.declaredHidden, f.declaredHidden, f.rows,
          f.in, f.inner);
      float[] plain = new float[f.rows * f.inner];
      float[] held = new float[plain.length];
      k.read(f.plainHidden, plain, 0, plain.length);
      k.read(f.declaredHidden, held, 0, held.length);
      int rounded = 0;
      for (int i = 0; i < plain.length; i++) {
        assertEquals(bf16(plain[i]), held[i], 0f, "element " + i);
        rounded += plain[i] != held[i] ? 1 : 0;
      }
      assertTrue(rounded > plain.length / 2, "the held values are bf16: " + rounded);
      k.linear(f.declaredHidden, f.inner, f.w2, f.b2, null, f.declaredOut, f.declaredOut, f.rows,
          f.inner, f.out);
      assertArrayEquals(f.read(k, f.plainOut), f.read(k, f.declaredOut));
      assertEquals(0, k.intermediatesReadInBf16(), "the read gave the float32 back");
    }
  }

  @Test
  void forgetsTheDeclarationsOfClosedMemory() {
    HeldIntermediates held = new HeldIntermediates();
    try (CpuMemory first = new CpuMemory(64, 1, CpuMemory.DEFAULT_STRIDE, false);
        CpuMemory second = new CpuMemory(64, 1, CpuMemory.DEFAULT_STRIDE, false)) {
      held.declare(first.window(0), 0, 16);
      held.declare(first.window(0), 32, 16);
      assertTrue(held.declared(first.window(0), 32, 16));
      assertEquals(false, held.declared(first.window(0), 32, 8), "the width is part of it");
      first.close();
      held.declare(second.window(0), 0, 16);
      assertEquals(1, held.declaredCount(), "the closed memory's two are forgotten");
      assertTrue(held.declared(second.window(0), 0, 16));
    }
  }

  @Test
  void refusesAWidthOrSliceThatMakesNoSense() {
    try (CpuKernels k = kernels(Precision.FLOAT32)) {
      Memory m = k.allocate(16);
      assertThrows(IllegalArgumentException.class, () -> k.linearIntermediate(new Slice(m, 0), 0));
      assertThrows(IllegalArgumentException.class,
          () -> k.linearIntermediate(new Slice(m, 8), 9));
    }
  }

  /** float32 rounded to the nearest bf16, ties to even (finite values). */
  private static float bf16(float v) {
    int bits = Float.floatToRawIntBits(v);
    bits += 0x7fff + ((bits >>> 16) & 1);
    return Float.intBitsToFloat(bits & 0xffff0000);
  }

  /** x → GELU(x·w1ᵀ + b1) → ·w2ᵀ + b2, once through a declared hidden buffer, once not. */
  private static final class FeedForward {
    final int rows;
    final int in;
    final int inner;
    final int out;
    final Slice x;
    final Slice w1;
    final Slice b1;
    final Slice w2;
    final Slice b2;
    final Slice plainHidden;
    final Slice plainOut;
    final Slice declaredHidden;
    final Slice declaredOut;

    FeedForward(CpuKernels k, int rows, int in, int inner, int out, Random random) {
      this.rows = rows;
      this.in = in;
      this.inner = inner;
      this.out = out;
      Memory params = k.allocate((long) inner * in + inner + (long) out * inner + out);
      w1 = new Slice(params, 0);
      b1 = w1.plus((long) inner * in);
      w2 = b1.plus(inner);
      b2 = w2.plus((long) out * inner);
      fill(k, params, params.size(), random);
      Memory arena = k.allocate((long) rows * in + 2L * rows * (inner + out));
      x = new Slice(arena, 0);
      plainHidden = x.plus((long) rows * in);
      declaredHidden = plainHidden.plus((long) rows * inner);
      plainOut = declaredHidden.plus((long) rows * inner);
      declaredOut = plainOut.plus((long) rows * out);
      fill(k, arena, (long) rows * in, random);
      k.linearIntermediate(declaredHidden, inner);
    }

    void run(CpuKernels k, Slice hidden, Slice output) {
      k.linear(x, in, w1, b1, Activation.GELU, hidden, hidden, rows, in, inner);
      k.linear(hidden, inner, w2, b2, null, output, output, rows, inner, out);
    }

    float[] read(CpuKernels k, Slice output) {
      float[] y = new float[rows * out];
      k.read(output, y, 0, y.length);
      return y;
    }

    private static void fill(CpuKernels k, Memory m, long count, Random random) {
      float[] v = new float[(int) count];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (random.nextGaussian() * 0.3);
      }
      k.write(v, 0, new Slice(m, 0), v.length);
    }
  }
}
