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
  /**
   * The learned table of {@code maxPosition} rows, extended hierarchically (bert4keras's
   * {@code hierarchical_position}) so sequences may run to {@code maxPosition²} tokens: position p is
   * α·E′[p / n] + (1 − α)·E′[p mod n] with E′ = (E − α·E[0])/(1 − α), α = 0.4, n = maxPosition. The
   * same weights as {@link #LEARNED}, and the same embedding below n: a 512-position checkpoint reads
   * longer text.
   */
  HIERARCHICAL,
  /**
   * NEZHA's "typical relative" positions: a fixed sinusoid table of the relative distance j − i,
   * clipped to ±{@code maxRelativePosition}, added to the attention scores (q·R) and to its output
   * (A·R); no absolute position embedding.
   */
  TYPICAL_RELATIVE,
  /**
   * T5's relative position bias: a learned table of 32 buckets × heads, the bucket of the distance
   * j − i (exact below 8 per direction, log-spaced up to 128, bidirectional in the encoder and
   * causal in the decoder), added to the attention logits of every layer of a stack from the table of
   * its first layer; no absolute position embedding. For the T5 architectures only.
   */
  T5_RELATIVE,
  /** No position information at all (a bag of tokens, or positions carried by the input). */
  NONE
}
