package bert4j.runtime.kernels.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import org.junit.jupiter.api.Test;

/** Memory: zero-filled, and use after close. */
public abstract class MemoryContract extends KernelsContract {
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
    Kernels closed = createKernels();
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.allocate(4));
  }
}
