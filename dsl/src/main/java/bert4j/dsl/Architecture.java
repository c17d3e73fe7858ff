package bert4j.dsl;

/** The model family a {@link Transformer} spec describes; decides block structure and weight names. */
public enum Architecture {
  /** Post-LN encoder with token, segment and learned absolute position embeddings (also RoBERTa). */
  BERT
}
