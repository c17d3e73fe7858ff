package bert4j.runtime.cpu;

import static bert4j.runtime.kernels.contract.ArgumentChecksContract.rejects;

import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import org.junit.jupiter.api.Test;

/** Memory of another backend is named as such (the rest: ArgumentChecksContract). */
class CpuArgumentChecksTest {
  @Test
  void memoryOfAnotherBackendIsRejected() {
    Memory foreign = new Memory() {
      @Override
      public long size() {
        return 100;
      }

      @Override
      public void close() {}
    };
    try (CpuKernels kernels = new CpuKernels(2)) {
      rejects(() -> kernels.fill(new Slice(foreign, 0), 10, 0f), "fill: target is not CpuMemory");
    }
  }
}
