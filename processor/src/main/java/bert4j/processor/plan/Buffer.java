package bert4j.processor.plan;

/**
 * An activation or activation-gradient buffer: its field name in the generated class, what its size
 * scales with and its width (floats per unit). {@code column} is its place in the arena region of its
 * extent, in widths, set by {@link ArenaPlanner}; −1 until then.
 */
public record Buffer(String name, Extent extent, int width, int column) {
  Buffer placedAt(int newColumn) {
    return new Buffer(name, extent, width, newColumn);
  }
}
