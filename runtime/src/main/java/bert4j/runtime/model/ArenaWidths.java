package bert4j.runtime.model;

/**
 * The widths of an activation arena's regions, in floats per token, per sequence and per token pair
 * of a sequence: the arena of {@code batch} sequences of {@code seq} tokens holds
 * {@code tokens × batch·seq + sequences × batch + pairs × batch·seq²} floats.
 */
public record ArenaWidths(int tokens, int sequences, int pairs) {
  public ArenaWidths {
    if (tokens < 0 || sequences < 0 || pairs < 0) {
      throw new IllegalArgumentException("arena widths must be >= 0, got " + tokens + ", "
          + sequences + ", " + pairs);
    }
  }

  /** Floats of the arena for {@code batch} sequences of length {@code seq}. */
  public long floats(int batch, int seq) {
    long tokenCount = (long) batch * seq;
    return tokens * tokenCount + sequences * (long) batch + pairs * tokenCount * seq;
  }
}
