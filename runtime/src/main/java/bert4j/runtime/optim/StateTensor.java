package bert4j.runtime.optim;

import java.util.Arrays;

/**
 * One saved tensor of optimizer state: its name in a checkpoint ({@code optimizer.<slot>.<parameter>}),
 * its shape, and where it lives: {@code offset} floats into {@code region}.
 */
public record StateTensor(String name, int[] shape, StateRegion region, long offset) {
  public StateTensor {
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

  @Override
  public boolean equals(Object o) {
    return o instanceof StateTensor t && name.equals(t.name) && region == t.region
        && offset == t.offset && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape) + "@" + region + "+" + offset;
  }
}
