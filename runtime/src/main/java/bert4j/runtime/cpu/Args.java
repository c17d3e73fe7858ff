package bert4j.runtime.cpu;

import bert4j.runtime.kernels.Slice;

/**
 * Argument checks of the CPU kernels: cheap, allocation-free on success, and on failure an
 * {@link IllegalArgumentException} that names the kernel, the argument and the sizes.
 */
final class Args {
  private Args() {}

  /**
   * The CPU memory behind {@code slice}, checked to hold {@code extent} floats from the slice's offset.
   */
  static CpuMemory memory(String kernel, String name, Slice slice, long extent) {
    if (slice == null) {
      throw new IllegalArgumentException(kernel + ": " + name + " is null");
    }
    if (!(slice.memory() instanceof CpuMemory memory)) {
      throw new IllegalArgumentException(kernel + ": " + name + " is not CPU memory but "
          + slice.memory().getClass().getName());
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

  /** Checks that a row count or element count is ≥ 0. */
  static void nonNegative(String kernel, String name, long size) {
    if (size < 0) {
      throw new IllegalArgumentException(kernel + ": " + name + " must be >= 0, got " + size);
    }
  }

  /** Checks that a width is ≥ 1. */
  static void positive(String kernel, String name, long size) {
    if (size < 1) {
      throw new IllegalArgumentException(kernel + ": " + name + " must be >= 1, got " + size);
    }
  }

  /** Checks that a row stride is at least the row width. */
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

  /** Checks a dropout rate. */
  static void rate(String kernel, float p) {
    if (!(p >= 0f && p < 1f)) {
      throw new IllegalArgumentException(kernel + ": dropout rate must be in [0, 1), got " + p);
    }
  }
}
