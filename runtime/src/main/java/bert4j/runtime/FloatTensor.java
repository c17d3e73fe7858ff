package bert4j.runtime;

import java.util.Arrays;

/** A host float32 tensor: a shape and its row-major values. What models return and weights files hold. */
public record FloatTensor(int[] shape, float[] data) {
  public FloatTensor {
    shape = shape.clone();
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      count *= d;
    }
    if (count != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count
          + " values, data has " + data.length);
    }
  }

  /** The shape (a copy). */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** This matrix transposed: {@code [rows, cols]} becomes {@code [cols, rows]} (2-D tensors only). */
  public FloatTensor transposed() {
    if (shape.length != 2) {
      throw new IllegalArgumentException("only a matrix transposes; the shape is "
          + Arrays.toString(shape));
    }
    int rows = shape[0];
    int cols = shape[1];
    float[] out = new float[data.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = data[r * cols + c];
      }
    }
    return new FloatTensor(new int[] {cols, rows}, out);
  }

  /** The value at a full index. */
  public float get(int... index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException("index of rank " + index.length + " into a tensor of shape "
          + Arrays.toString(shape));
    }
    int flat = 0;
    for (int i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= shape[i]) {
        throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside shape "
            + Arrays.toString(shape));
      }
      flat = flat * shape[i] + index[i];
    }
    return data[flat];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "FloatTensor" + Arrays.toString(shape);
  }
}
