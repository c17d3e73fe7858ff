package bert4j.runtime.text;

import bert4j.runtime.FloatTensor;
import java.util.Arrays;

/**
 * The rows of the original vocabulary that a {@linkplain Vocabulary#simplified simplified vocabulary}
 * keeps, in the order of the new ids: new id {@code i} is old id {@code ids()[i]} (bert4keras
 * {@code keep_tokens}). A weights loader applies it to the token embedding {@code [vocab, hidden]} and
 * the MLM output bias {@code [vocab]} so that they match the smaller vocabulary.
 */
public record KeepTokens(int[] ids) {
  public KeepTokens {
    if (ids == null) {
      throw new IllegalArgumentException("keep tokens need an id array");
    }
    ids = ids.clone();
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0) {
        throw new IllegalArgumentException("keep token " + i + " has negative id " + ids[i]);
      }
    }
  }

  /** The kept old ids (a copy). */
  @Override
  public int[] ids() {
    return ids.clone();
  }

  /** Number of kept tokens: the size of the simplified vocabulary. */
  public int size() {
    return ids.length;
  }

  /**
   * The kept rows of a tensor whose first dimension is the original vocabulary: {@code [vocab, hidden]}
   * gives {@code [size(), hidden]}, {@code [vocab]} gives {@code [size()]}.
   *
   * @param name what the tensor is, for the error message (e.g. its parameter name)
   * @throws IllegalArgumentException if the tensor has rank 0 or more than 2, or a kept id is not one of
   *     its rows
   */
  public FloatTensor apply(String name, FloatTensor tensor) {
    if (tensor == null) {
      throw new IllegalArgumentException("no tensor " + name + " to apply keep tokens to");
    }
    int[] shape = tensor.shape();
    if (shape.length < 1 || shape.length > 2) {
      throw new IllegalArgumentException("keep tokens apply to [vocab, hidden] or [vocab] tensors; "
          + name + " has shape " + Arrays.toString(shape));
    }
    int rows = shape[0];
    int width = shape.length == 2 ? shape[1] : 1;
    float[] source = tensor.data();
    float[] kept = new float[ids.length * width];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] >= rows) {
        throw new IllegalArgumentException("keep token " + i + " is old id " + ids[i] + ", but " + name
            + " has only " + rows + " rows (shape " + Arrays.toString(shape) + ")");
      }
      System.arraycopy(source, ids[i] * width, kept, i * width, width);
    }
    int[] keptShape = shape.clone();
    keptShape[0] = ids.length;
    return new FloatTensor(keptShape, kept);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeepTokens k && Arrays.equals(ids, k.ids);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids);
  }

  @Override
  public String toString() {
    return "KeepTokens[" + ids.length + " ids]";
  }
}
