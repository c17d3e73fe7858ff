package bert4j.runtime.generate;

/** How {@link TextGenerator} turns a text into a prompt. */
public enum PromptForm {
  /**
   * {@code [CLS] text [SEP]} in segment 0, the output generated after it: the source of a UniLM
   * seq2seq model (bert4keras's seq2seq examples).
   */
  SOURCE,
  /** {@code [CLS] text}, continued: the beginning of a language model's text (empty: from [CLS]). */
  CONTINUATION
}
