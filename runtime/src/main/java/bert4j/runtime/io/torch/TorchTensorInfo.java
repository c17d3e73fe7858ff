package bert4j.runtime.io.torch;

import bert4j.runtime.io.DType;
import java.util.Arrays;

/**
 * A tensor of a PyTorch checkpoint: its name, element type and shape, and where its elements lie: from
 * element {@code storageOffset} of the zip entry {@code data/<storage>}, {@code stride[d]} elements
 * apart along dimension {@code d}. Tensors that share a storage (tied weights, views) name the same one.
 */
public record TorchTensorInfo(String name, DType dtype, long[] shape, long[] stride, long storageOffset,
    String storage) {
  public TorchTensorInfo {
    shape = shape.clone();
    stride = stride.clone();
  }

  /** The shape (a copy). */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The strides in elements (a copy). */
  @Override
  public long[] stride() {
    return stride.clone();
  }

  /** The number of elements: the product of the dimensions (1 for a scalar, shape {@code []}). */
  public long elementCount() {
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    return count;
  }

  /** Whether the elements lie in row-major order without gaps (dimensions of size 1 may have any stride). */
  public boolean contiguous() {
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] == 0) {
        return true;
      }
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TorchTensorInfo t && name.equals(t.name) && dtype == t.dtype
        && Arrays.equals(shape, t.shape) && Arrays.equals(stride, t.stride)
        && storageOffset == t.storageOffset && storage.equals(t.storage);
  }

  @Override
  public int hashCode() {
    return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + storage.hashCode();
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " stride " + Arrays.toString(stride)
        + " in storage " + storage + " from " + storageOffset;
  }
}
