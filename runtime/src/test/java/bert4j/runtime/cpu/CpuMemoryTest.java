package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CpuMemory's size limit (the rest: MemoryContract). */
class CpuMemoryTest {
  @Test
  void tooLargeOrNegativeIsRejectedClearly() {
    try (CpuKernels kernels = new CpuKernels(2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> kernels.allocate(CpuMemory.MAX_FLOATS + 1));
      assertTrue(e.getMessage().contains(String.valueOf(CpuMemory.MAX_FLOATS + 1)),
          e.getMessage());
      assertTrue(e.getMessage().contains("one direct buffer"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> kernels.allocate(-1));
    }
  }
}
