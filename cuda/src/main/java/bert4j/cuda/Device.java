package bert4j.cuda;

/**
 * The driver operations {@link CudaKernels} is written against: device memory by address, copies
 * between it and host arrays, and kernel launches by name, all in one stream (each operation starts
 * after the previous one has finished on the device; copies to the host wait for it).
 * {@link JCudaDevice} implements them with the CUDA driver API; the tests also run the same
 * kernels, compiled for the CPU, through this interface.
 */
interface Device extends AutoCloseable {
  /** For logs and reports: "cuda:0 NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, sm_90 cubin)". */
  String name();

  /** Streaming multiprocessors, for sizing grids. */
  int multiprocessors();

  /** Allocates {@code bytes} (at least 1) of zero-filled device memory; returns its address. */
  long allocate(long bytes);

  /** Frees memory from {@link #allocate}. */
  void free(long address);

  /** Copies {@code count} floats from {@code source[offset..]} to the device at {@code address}. */
  void copyIn(float[] source, int offset, long address, int count);

  /** Copies {@code count} ints from {@code source[offset..]} to the device at {@code address}. */
  void copyIn(int[] source, int offset, long address, int count);

  /** Copies {@code count} doubles from {@code source[offset..]} to the device at {@code address}. */
  void copyIn(double[] source, int offset, long address, int count);

  /** Copies {@code count} floats from {@code address} on the device to {@code target[offset..]}. */
  void copyOut(long address, float[] target, int offset, int count);

  /** Copies {@code count} doubles from {@code address} to {@code target[offset..]}. */
  void copyOut(long address, double[] target, int offset, int count);

  /** Launches {@code kernel} on a grid of blocks of {@code threads} threads with {@code args}. */
  void launch(String kernel, int gridX, int gridY, int gridZ, int threads, LaunchArgs args);

  /** Waits until everything launched so far has finished. */
  void synchronize();

  /** Releases the device (context, modules); memory not freed yet is freed with it. */
  @Override
  void close();
}
