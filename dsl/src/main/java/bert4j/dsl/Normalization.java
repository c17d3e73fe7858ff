package bert4j.dsl;

/** How attention turns masked scores into weights over the keys (bert4keras's {@code normalization}). */
public enum Normalization {
  /** softmax over the allowed keys: the standard attention. */
  SOFTMAX,
  /** relu(s)²/n, n the number of non-padding keys: the squared-ReLU attention of GAU. */
  SQUARED_RELU,
  /**
   * softmax(s·log(max(n, 16))/log 512), n the number of non-padding keys: the length-scaled softmax
   * ("softmax plus") that keeps the attention's entropy steady as sequences grow.
   */
  SOFTMAX_PLUS
}
