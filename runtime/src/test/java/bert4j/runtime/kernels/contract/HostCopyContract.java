package bert4j.runtime.kernels.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import org.junit.jupiter.api.Test;

/** write, read and fill, with offsets on both sides and bounds. */
public abstract class HostCopyContract extends KernelsContract {
  @Test
  void writeThenReadWithOffsets() {
    Memory m = kernels.allocate(10);
    kernels.write(new float[] {9, 1, 2, 3, 9}, 1, new Slice(m, 4), 3);
    float[] got = new float[12];
    kernels.read(new Slice(m, 0), got, 2, 10);
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0}, got);
  }

  @Test
  void fillTouchesOnlyItsRange() {
    int size = 200_000;
    Memory m = kernels.allocate(size);
    kernels.fill(new Slice(m, 7), 199_000, -2.5f);
    kernels.fill(new Slice(m, 70_001), 70_000, 3f);
    float[] got = new float[size];
    kernels.read(new Slice(m, 0), got, 0, size);
    for (int i = 0; i < size; i++) {
      float want = i >= 70_001 && i < 140_001 ? 3f : i >= 7 && i < 199_007 ? -2.5f : 0f;
      if (got[i] != want) {
        throw new AssertionError("element " + i + ": " + got[i] + ", want " + want);
      }
    }
  }

  @Test
  void outOfBoundsIsAnIllegalArgumentExceptionNamingTheSizes() {
    Memory m = kernels.allocate(8);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kernels.read(new Slice(m, 3), new float[10], 0, 6));
    assertTrue(e.getMessage().contains("read: source needs 6 floats from offset 3 but its memory"
        + " holds 8"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> kernels.write(new float[4], 1, new Slice(m, 0), 4));
    assertThrows(IllegalArgumentException.class, () -> kernels.fill(new Slice(m, 1), 8, 0f));
  }
}
