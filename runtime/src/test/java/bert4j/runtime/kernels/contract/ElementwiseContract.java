package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * multiply and scale: a ⊙ b and alpha·x exactly (one float operation each), into separate memory
 * or in place. Each is its own backward (d(a ⊙ b)/da = b, d(alpha·x)/dx = alpha), so exactness is
 * the whole contract. copyColumns: a block of columns moved exactly, nothing else touched, and its
 * argument errors.
 */
public abstract class ElementwiseContract extends KernelsContract {
  /** Several chunks and threads' worth, and not a multiple of any block size. */
  private static final int COUNT = 70_001;

  @Test
  void multipliesIntoSeparateMemoryAndInPlace() {
    Random random = new Random(3);
    float[] a = uniform(random, COUNT, -5, 5);
    float[] b = uniform(random, COUNT, -5, 5);
    float[] want = new float[COUNT];
    for (int i = 0; i < COUNT; i++) {
      want[i] = a[i] * b[i];
    }
    float[] before = uniform(random, COUNT + 1);
    Slice out = put(kernels, before);
    kernels.multiply(put(kernels, a), put(kernels, b), out, COUNT);
    float[] got = get(kernels, out, COUNT + 1);
    assertArrayEquals(want, Arrays.copyOf(got, COUNT));
    assertEquals(before[COUNT], got[COUNT], "the float after count is left alone");
    Slice as = put(kernels, a);
    kernels.multiply(as, put(kernels, b), as, COUNT);
    assertArrayEquals(want, get(kernels, as, COUNT), "out == a");
  }

  @Test
  void scalesIntoSeparateMemoryAndInPlace() {
    Random random = new Random(4);
    float[] x = uniform(random, COUNT, -5, 5);
    float alpha = -0.176f;
    float[] want = new float[COUNT];
    for (int i = 0; i < COUNT; i++) {
      want[i] = alpha * x[i];
    }
    Slice out = put(kernels, new float[COUNT]);
    kernels.scale(put(kernels, x), alpha, out, COUNT);
    assertArrayEquals(want, get(kernels, out, COUNT));
    Slice xs = put(kernels, x);
    kernels.scale(xs, alpha, xs, COUNT);
    assertArrayEquals(want, get(kernels, xs, COUNT), "out == x");
  }

  /** 301 rows, and 4,001: enough for a backend to share the rows between threads. */
  @ParameterizedTest
  @ValueSource(ints = {301, 4001})
  void copiesABlockOfColumnsBetweenMatricesOfOtherWidths(int rows) {
    Random random = new Random(5);
    int sourceWidth = 23;
    int targetWidth = 17;
    float[] source = uniform(random, rows * sourceWidth, -5, 5);
    float[] before = uniform(random, rows * targetWidth + 1, -5, 5);
    float[] want = before.clone();
    for (int r = 0; r < rows; r++) {
      System.arraycopy(source, r * sourceWidth + 6, want, r * targetWidth + 4, 9);
    }
    Slice target = put(kernels, before);
    kernels.copyColumns(put(kernels, source), sourceWidth, 6, target, targetWidth, 4, rows, 9);
    assertArrayEquals(want, get(kernels, target, rows * targetWidth + 1));
  }

  @Test
  void copyColumnsRejectsColumnsOutsideTheRowsAndOverlap() {
    Slice a = put(kernels, new float[100]);
    Slice b = put(kernels, new float[100]);
    IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
        () -> kernels.copyColumns(a, 10, 6, b, 10, 0, 10, 5));
    assertTrue(outside.getMessage().contains("source columns 6 to 11 lie outside its rows of 10"),
        outside.getMessage());
    IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
        () -> kernels.copyColumns(a, 10, 0, a.plus(50), 5, 0, 10, 5));
    assertTrue(overlap.getMessage().contains("overlaps"), overlap.getMessage());
  }
}
