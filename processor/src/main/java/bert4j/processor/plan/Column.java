package bert4j.processor.plan;

/**
 * Where a buffer lives in its extent's arena region, in floats per unit: a global buffer at
 * {@code base}; the buffer of layer l at {@code base + (l % slots) × width}, so layers whose copies are
 * never live together share a slot (slots = 1: one copy for all layers; slots = layers: one each).
 */
public record Column(int base, int slots, int width) {
  /** The column of the copy of layer {@code layer} (0 for a global buffer). */
  public int of(int layer) {
    return base + (layer < 0 ? 0 : layer % slots) * width;
  }
}
