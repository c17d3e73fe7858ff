package bert4j.runtime.io;

import java.util.Arrays;

/**
 * One entry of a safetensors header: the tensor's name, element type, shape, and its bytes
 * {@code [begin, end)} counted from the start of the data section (as the file states them).
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
  public TensorInfo {
    shape = shape.clone();
  }

  /** The shape (a copy). */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The number of elements: the product of the dimensions (1 for a scalar, shape {@code []}). */
  public long elementCount() {
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    return count;
  }

  /** The number of data bytes, {@code end - begin}. */
  public long byteSize() {
    return end - begin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
        && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
  }

  @Override
  public int hashCode() {
    return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " bytes [" + begin + ", " + end + ")";
  }
}
