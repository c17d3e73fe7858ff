package bert4j.runtime.model;

/**
 * What incremental decoding needs to know of a generated model besides its {@link ModelLayout}: the
 * layers whose keys and values it caches, the widths of a cached key row (heads × key size) and value
 * row (heads × head size), and the segment id of generated tokens (1 under a UniLM mask, else 0).
 */
public record DecodeLayout(int layers, int keyWidth, int valueWidth, int generationSegment) {
  public DecodeLayout {
    if (layers < 1 || keyWidth < 1 || valueWidth < 1 || generationSegment < 0) {
      throw new IllegalArgumentException("invalid decode layout " + this);
    }
  }
}
