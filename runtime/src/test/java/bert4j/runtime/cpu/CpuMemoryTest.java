package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CpuMemory: zero-filled, its size limit, and use after close. */
class CpuMemoryTest {
  private static CpuKernels kernels;

  @BeforeAll
  static void start() {
    kernels = new CpuKernels(2);
  }

  @AfterAll
  static void stop() {
    kernels.close();
  }

  @Test
  void newMemoryIsZeroFilled() {
    try (Memory m = kernels.allocate(1000)) {
      assertEquals(1000, m.size());
      float[] got = new float[1000];
      kernels.read(new Slice(m, 0), got, 0, 1000);
      assertArrayEquals(new float[1000], got);
    }
  }

  @Test
  void tooLargeOrNegativeIsRejectedClearly() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kernels.allocate(CpuMemory.MAX_FLOATS + 1));
    assertTrue(e.getMessage().contains(String.valueOf(CpuMemory.MAX_FLOATS + 1)), e.getMessage());
    assertTrue(e.getMessage().contains("one direct buffer"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> kernels.allocate(-1));
  }

  @Test
  void useAfterCloseIsAnIllegalStateException() {
    Memory m = kernels.allocate(16);
    Slice s = new Slice(m, 0);
    m.close();
    m.close();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> kernels.fill(s, 16, 1f));
    assertTrue(e.getMessage().contains("after close"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> kernels.read(s, new float[16], 0, 16));
    assertThrows(IllegalStateException.class, () -> kernels.linear(s, 4, s, null, null, s, s, 1, 4,
        1));
  }

  @Test
  void kernelsAfterCloseAreAnIllegalStateException() {
    CpuKernels closed = new CpuKernels(2);
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.allocate(4));
  }
}
