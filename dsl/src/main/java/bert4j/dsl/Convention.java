package bert4j.dsl;

/**
 * Whose computation a spec follows where bert4keras and Hugging Face differ on the same
 * architecture and weights ({@link Transformer#convention()}).
 */
public enum Convention {
  /** Hugging Face transformers': its checkpoints load and give its numbers. */
  HUGGING_FACE,
  /**
   * bert4keras's. For T5 (1.0 and 1.1): the decoder output is scaled by hidden^−0.5 before the LM
   * head, tied or not; cross-attention adds the relative position bias of the decoder's
   * self-attention table (causal buckets of j − i); and T5 1.1's gated feed-forward block defaults to
   * the erf GELU.
   */
  BERT4KERAS
}
