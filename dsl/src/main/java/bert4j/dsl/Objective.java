package bert4j.dsl;

/**
 * What the MLM head is trained to predict, chosen apart from the attention mask (which only decides
 * which keys a query sees). {@link #BY_MASK} keeps bert4keras's pairing of mask and loss.
 */
public enum Objective {
  /** Masked LM with {@code Mask.NONE}, next token with {@code Mask.LM}, next target token with UNILM. */
  BY_MASK,
  /** Predict the given {@code tokenLabels} (−1 = not counted): BERT's masked-LM pre-training. */
  MASKED_LM,
  /** Position i predicts token i + 1 (padding not counted): a language model. */
  NEXT_TOKEN,
  /** Like NEXT_TOKEN, counted only where token i + 1 is in segment 1: UniLM's seq2seq targets. */
  NEXT_TARGET_TOKEN
}
