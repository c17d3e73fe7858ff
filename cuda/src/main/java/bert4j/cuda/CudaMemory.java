package bert4j.cuda;

import bert4j.runtime.kernels.Memory;

/** Device memory of one {@link CudaKernels}: a zero-filled allocation of float32s on the GPU. */
final class CudaMemory implements Memory {
  private final CudaKernels owner;
  private final long size;
  private long address;

  CudaMemory(CudaKernels owner, long size, long address) {
    this.owner = owner;
    this.size = size;
    this.address = address;
  }

  @Override
  public long size() {
    return size;
  }

  CudaKernels owner() {
    return owner;
  }

  /** The device address of float {@code offset}. */
  long address(long offset) {
    if (address == 0) {
      throw new IllegalStateException("CUDA memory of " + size + " floats used after close()");
    }
    return address + 4 * offset;
  }

  /** Frees the memory now; idempotent, and a no-op once its backend is closed (that freed it). */
  @Override
  public void close() {
    if (address != 0) {
      owner.free(address);
      address = 0;
    }
  }
}
