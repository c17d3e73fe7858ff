package bert4j.dsl;

/** Activation of the feed-forward block (and of the MLM transform). */
public enum Activation {
  /** x·Φ(x) with the exact erf; bert4keras's {@code gelu}, the BERT default. */
  GELU,
  /** The tanh approximation of GELU ({@code gelu_tanh}, GPT-2's). */
  GELU_TANH,
  /** max(0, x). */
  RELU,
  /** x·sigmoid(x). */
  SWISH,
  /** tanh(x): the pooler's activation. */
  TANH
}
