package bert4j.runtime;

import java.util.Arrays;

/**
 * One parameter tensor of a model: its Hugging Face name, shape, and where it lives in the flat
 * parameter buffer (the gradient and each optimizer moment use the same offsets in their buffers).
 */
public record ParameterInfo(String name, int[] shape, long offset) {
  public ParameterInfo {
    shape = shape.clone();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of floats. */
  public int size() {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** The shape as text, e.g. {@code [768, 3072]}. */
  public String shapeText() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParameterInfo p && name.equals(p.name) && offset == p.offset
        && Arrays.equals(shape, p.shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Long.hashCode(offset);
  }

  @Override
  public String toString() {
    return name + shapeText() + "@" + offset;
  }
}
