package bert4j.cuda;

import bert4j.runtime.kernels.Slice;

/**
 * Argument checks of the CUDA kernels, in the CPU backend's words: cheap, allocation-free on
 * success, and on failure an {@link IllegalArgumentException} that names the kernel, the argument
 * and the sizes. A kernel that ran past its memory on the GPU would corrupt other tensors silently.
 */
final class Checks {
  private Checks() {}

  /** The memory behind {@code slice}, checked to be this backend's and to hold {@code extent}. */
  static CudaMemory memory(CudaKernels kernels, String kernel, String name, Slice slice,
      long extent) {
    if (slice == null) {
      throw new IllegalArgumentException(kernel + ": " + name + " is null");
    }
    if (!(slice.memory() instanceof CudaMemory memory) || memory.owner() != kernels) {
      throw new IllegalArgumentException(kernel + ": " + name + " is not CUDA memory of "
          + kernels.name() + " but " + slice.memory().getClass().getName());
    }
    if (extent < 0 || slice.offset() + extent > memory.size()) {
      throw new IllegalArgumentException(kernel + ": " + name + " needs " + extent
          + " floats from offset " + slice.offset() + " but its memory holds " + memory.size());
    }
    return memory;
  }

  /** The floats a {@code rows × width} matrix with row stride {@code stride} spans. */
  static long extent(int rows, int stride, int width) {
    return rows == 0 ? 0 : (long) (rows - 1) * stride + width;
  }

  static void nonNegative(String kernel, String name, long size) {
    if (size < 0) {
      throw new IllegalArgumentException(kernel + ": " + name + " must be >= 0, got " + size);
    }
  }

  static void positive(String kernel, String name, long size) {
    if (size < 1) {
      throw new IllegalArgumentException(kernel + ": " + name + " must be >= 1, got " + size);
    }
  }

  static void stride(String kernel, String name, int stride, int width) {
    if (stride < width) {
      throw new IllegalArgumentException(kernel + ": " + name + " (" + stride
          + ") is smaller than the row width " + width);
    }
  }

  /** Checks that a host array holds {@code count} values from {@code offset}. */
  static void host(String kernel, String name, int length, long offset, long count) {
    if (offset < 0 || count < 0 || offset + count > length) {
      throw new IllegalArgumentException(kernel + ": " + name + " of length " + length
          + " cannot hold " + count + " values from " + offset);
    }
  }

  static void rate(String kernel, float p) {
    if (!(p >= 0f && p < 1f)) {
      throw new IllegalArgumentException(kernel + ": dropout rate must be in [0, 1), got " + p);
    }
  }

  /** Every id must name a row of {@code width} floats inside the table's memory. */
  static void ids(String kernel, int[] ids, int rows, CudaMemory memory, Slice table, int width) {
    long tableRows = (memory.size() - table.offset()) / width;
    for (int r = 0; r < rows; r++) {
      if (ids[r] < 0 || ids[r] >= tableRows) {
        throw new IllegalArgumentException(kernel + ": ids[" + r + "] = " + ids[r]
            + " is outside the table's " + tableRows + " rows of width " + width);
      }
    }
  }
}
