package bert4j.dsl;

/** Which keys a query may attend to, on top of padding (token id 0 is padding and is never attended to). */
public enum Mask {
  /** Padding only: every token sees every non-padding token (an encoder). */
  NONE,
  /** Causal: token i sees tokens j ≤ i (a language model). */
  LM,
  /**
   * UniLM seq2seq: with c = cumsum(segment ids), token i sees token j when c[j] ≤ c[i]; the source
   * (segment 0) sees the whole source, the target sees the source and earlier targets.
   */
  UNILM
}
