package bert4j.runtime.generate;

import bert4j.runtime.FloatTensor;

/**
 * A language model that extends a batch of sequences one token at a time: what a decoder drives.
 * Generated models whose spec has an LM or UniLM mask (and the GPT architectures) implement it with a
 * key/value cache, so a step costs one token's work; {@code RecomputingLm} implements it over any
 * model's full forward pass, re-running the whole sequence at every step as bert4keras does.
 *
 * <p>The sequences of a batch may have different lengths; the arrays carry no padding. A model is
 * single-threaded, like {@link bert4j.runtime.TransformerModel}.
 */
public interface IncrementalLm {

  /** Size of the logits' last dimension. */
  int vocab();

  /** Most sequences {@link #start} and {@link #reorder} accept at once. */
  int maxBatch();

  /** Longest sequence (prompt and generated tokens) the model holds. */
  int maxLength();

  /**
   * The positions of {@link #maxLength} a prompt of {@code promptLength} tokens takes with up to
   * {@code maxTokens} generated ones (the last never held): the two together for a language model;
   * an encoder–decoder overrides it, holding its prompt (the encoder's input) apart.
   */
  default int positions(int promptLength, int maxTokens) {
    return promptLength + maxTokens - 1;
  }

  /**
   * Starts {@code prompts.length} sequences, one per prompt, and returns each one's next-token
   * logits, {@code [batch, vocab]}. {@code segments} gives each prompt token's segment id (null: all
   * 0). Generated tokens take the model's generation segment: 1 under a UniLM mask, else 0.
   */
  FloatTensor start(int[][] prompts, int[][] segments);

  /** Appends {@code tokens[b]} to sequence {@code b} and returns the next-token logits, {@code [batch, vocab]}. */
  FloatTensor step(int[] tokens);

  /**
   * Continues sequence {@code b} of the new batch from the current sequence {@code parents[b]}; the
   * new batch has {@code parents.length} sequences (beam expansion, pruning, reordering).
   */
  void reorder(int[] parents);
}
