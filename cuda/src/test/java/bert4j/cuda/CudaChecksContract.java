package bert4j.cuda;

import static bert4j.runtime.kernels.contract.ArgumentChecksContract.rejects;
import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.kernels.contract.KernelsContract;
import org.junit.jupiter.api.Test;

/** What only the CUDA backend rejects: memory of another backend, and heads wider than 128. */
public abstract class CudaChecksContract extends KernelsContract {
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
    rejects(() -> kernels.fill(new Slice(foreign, 0), 10, 0f), "fill: target is not CudaMemory");
  }

  @Test
  void headsWiderThan128AreRejected() {
    AttentionShape shape = new AttentionShape(1, 2, 1, 160, 64, 0.1f);
    Slice qk = zeros(kernels, 2 * 160);
    Slice v = zeros(kernels, 2 * 64);
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> kernels.attention(shape, Mask.NONE, new int[] {1, 1}, null, qk, qk, v,
            zeros(kernels, 4), v, 0f, 0));
    assertTrue(e.getMessage().contains("up to 128"), e.getMessage());
  }
}
