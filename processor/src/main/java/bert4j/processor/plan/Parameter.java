package bert4j.processor.plan;

import java.util.Arrays;

/**
 * A parameter tensor: its Hugging Face name, the field of its slice (the gradient's is
 * {@link #gradField()}), its shape, its offset in the flat parameter buffer, and the layer it belongs to
 * ({@link Buffer#GLOBAL} for none). A layer's parameters are named {@code prefix + localName} with the
 * same local names and shapes in every layer.
 */
public record Parameter(String name, String localName, String field, int layer, int[] shape,
    long offset) {

  public Parameter {
    shape = shape.clone();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  public long size() {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** The gradient slice's field name. */
  public String gradField() {
    return field + "Grad";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Parameter p && name.equals(p.name) && Arrays.equals(shape, p.shape)
        && offset == p.offset && field.equals(p.field) && layer == p.layer;
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }
}
