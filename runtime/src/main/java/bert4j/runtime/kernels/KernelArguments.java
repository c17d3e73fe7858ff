package bert4j.runtime.kernels;

/**
 * The argument checks every backend makes before a kernel runs: cheap, allocation-free on success,
 * and on failure an {@link IllegalArgumentException} that names the kernel, the argument and the
 * sizes. A kernel that ran past its memory would corrupt other tensors silently, so sizes are checked
 * on every call.
 */
public final class KernelArguments {
  private KernelArguments() {}

  /**
   * The memory behind {@code slice}, checked to be of {@code type} and to hold {@code extent} floats
   * from the slice's offset.
   */
  public static <M extends Memory> M memory(String kernel, String name, Slice slice, long extent,
      Class<M> type) {
    if (slice == null) {
      throw new IllegalArgumentException(kernel + ": " + name + " is null");
    }
    Memory memory = slice.memory();
    if (!type.isInstance(memory)) {
      throw new IllegalArgumentException(kernel + ": " + name + " is not " + type.getSimpleName()
          + " but " + memory.getClass().getName());
    }
    if (extent < 0 || slice.offset() + extent > memory.size()) {
      throw new IllegalArgumentException(kernel + ": " + name + " needs " + extent
          + " floats from offset " + slice.offset() + " but its memory holds " + memory.size());
    }
    return type.cast(memory);
  }

  /** The floats a {@code rows × width} matrix with row stride {@code stride} spans. */
  public static long extent(int rows, int stride, int width) {
    return rows == 0 ? 0 : (long) (rows - 1) * stride + width;
  }

  /** Checks that a row count or element count is ≥ 0. */
  public static void nonNegative(String kernel, String name, long size) {
    if (size < 0) {
      throw new IllegalArgumentException(kernel + ": " + name + " must be >= 0, got " + size);
    }
  }

  /** Checks that a width is ≥ 1. */
  public static void positive(String kernel, String name, long size) {
    if (size < 1) {
      throw new IllegalArgumentException(kernel + ": " + name + " must be >= 1, got " + size);
    }
  }

  /** Checks that a width is ≥ 2 and even (a rotary head turns pairs of values). */
  public static void even(String kernel, String name, int size) {
    if (size < 2 || size % 2 != 0) {
      throw new IllegalArgumentException(kernel + ": " + name + " must be even and >= 2, got "
          + size);
    }
  }

  /**
   * Checks that the {@code extent} floats from slice {@code a} and from slice {@code b} do not
   * overlap, for a kernel whose every output reads several inputs.
   */
  public static void disjoint(String kernel, String aName, Slice a, String bName, Slice b,
      long extent) {
    if (a.memory() == b.memory() && extent > 0
        && Math.abs(a.offset() - b.offset()) < extent) {
      throw new IllegalArgumentException(kernel + ": " + aName + " (from offset " + a.offset()
          + ") overlaps " + bName + " (from offset " + b.offset() + "), " + extent
          + " floats each; they must be apart");
    }
  }

  /** Checks that a row stride is at least the row width. */
  public static void stride(String kernel, String name, int stride, int width) {
    if (stride < width) {
      throw new IllegalArgumentException(kernel + ": " + name + " (" + stride
          + ") is smaller than the row width " + width);
    }
  }

  /** Checks that a host array holds {@code count} values from {@code offset}. */
  public static void host(String kernel, String name, int length, long offset, long count) {
    if (offset < 0 || count < 0 || offset + count > length) {
      throw new IllegalArgumentException(kernel + ": " + name + " of length " + length
          + " cannot hold " + count + " values from " + offset);
    }
  }

  /** Checks that a weight lies strictly between 0 and 1 (NaN is rejected). */
  public static void fraction(String kernel, String name, float value) {
    if (!(value > 0f && value < 1f)) {
      throw new IllegalArgumentException(kernel + ": " + name + " must be in (0, 1), got "
          + value);
    }
  }

  /** Checks a dropout rate. */
  public static void rate(String kernel, float p) {
    if (!(p >= 0f && p < 1f)) {
      throw new IllegalArgumentException(kernel + ": dropout rate must be in [0, 1), got " + p);
    }
  }

  /** Every id must name a row of {@code width} floats inside the table's memory. */
  public static void ids(String kernel, int[] ids, int rows, Slice table, int width) {
    long tableRows = (table.memory().size() - table.offset()) / width;
    for (int r = 0; r < rows; r++) {
      if (ids[r] < 0 || ids[r] >= tableRows) {
        throw new IllegalArgumentException(kernel + ": ids[" + r + "] = " + ids[r]
            + " is outside the table's " + tableRows + " rows of width " + width);
      }
    }
  }
}
