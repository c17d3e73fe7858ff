package bert4j.runtime.kernels;

/**
 * A block of float32 memory owned by one {@link Kernels} backend (host memory on the CPU, device memory
 * on a GPU). Generated models allocate a few of these once (parameters, gradients, optimizer state, the
 * activation arena) and address them through {@link Slice}s.
 */
public interface Memory extends AutoCloseable {
  /** Capacity in floats. */
  long size();

  /** Releases the memory; using it afterwards is an error. */
  @Override
  void close();
}
