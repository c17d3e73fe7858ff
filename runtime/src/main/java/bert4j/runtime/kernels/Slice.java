package bert4j.runtime.kernels;

import java.util.Objects;

/**
 * A position inside a {@link Memory}: where a tensor starts. Shapes travel separately as kernel
 * arguments, so one slice serves every batch size up to the capacity it was planned for. Generated
 * models create their slices once, as final fields.
 */
public record Slice(Memory memory, long offset) {
  public Slice {
    Objects.requireNonNull(memory, "memory");
    if (offset < 0 || offset > memory.size()) {
      throw new IllegalArgumentException(
          "slice offset " + offset + " is outside a memory of " + memory.size() + " floats");
    }
  }

  /** The slice {@code floats} further on in the same memory. */
  public Slice plus(long floats) {
    return new Slice(memory, offset + floats);
  }
}
