package bert4j.processor.plan;

/**
 * What an activation buffer's size scales with. A buffer of width w holds w floats per unit; the arena
 * keeps one region per extent, sized for the model's maximum batch and length.
 */
public enum Extent {
  /** One row per token: batch × seq units. */
  TOKENS,
  /** One row per sequence: batch units. */
  SEQUENCES,
  /** One row per (token, token) pair of a sequence: batch × seq × seq units (attention probabilities). */
  PAIRS
}
