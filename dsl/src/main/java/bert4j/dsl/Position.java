package bert4j.dsl;

/** How positions enter the model. */
public enum Position {
  /** The architecture's own: {@link Architecture#defaultPosition()}. */
  DEFAULT,
  /** A learned absolute position embedding of {@code maxPosition} rows, added to the token embedding. */
  LEARNED,
  /**
   * Rotary position embedding on q and k in every layer (RoFormer's: interleaved pairs,
   * θᵢ = 10000^(−2i/keySize)); no absolute position embedding. The key size must be even.
   */
  ROTARY,
  /** No position information at all (a bag of tokens, or positions carried by the input). */
  NONE
}
