package bert4j.processor.plan;

/**
 * An activation or gradient buffer: its name (the field of the generated class, or of the generated
 * {@code Layer} class when {@code layer ≥ 0}), what its size scales with, and its width in floats per
 * unit. Buffers of a layer have the same name in every layer; {@code layer} tells them apart.
 */
public record Buffer(String name, int layer, Extent extent, int width) {
  /** The scope of buffers that belong to no layer (embeddings, heads). */
  public static final int GLOBAL = -1;

  /** A name unique over the model, for messages and tests: {@code layer3.query}, {@code mlmLogits}. */
  public String id() {
    return layer == GLOBAL ? name : "layer" + layer + "." + name;
  }
}
