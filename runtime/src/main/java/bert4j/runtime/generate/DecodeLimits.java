package bert4j.runtime.generate;

/**
 * When generation stops (bert4keras's {@code end_id}, {@code minlen}, {@code maxlen}): a sequence ends
 * when it generates {@code endToken}, which it may do only after {@code minTokens} other tokens, or
 * after {@code maxTokens} tokens in all (the end token counted). Outputs leave the end token out, so an
 * output has between {@code minTokens} and {@code maxTokens} tokens.
 */
public record DecodeLimits(int endToken, int minTokens, int maxTokens) {
  public DecodeLimits {
    if (endToken < 1) {
      throw new IllegalArgumentException("endToken=" + endToken + " must be a token id >= 1 (0 is "
          + "padding)");
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens=" + maxTokens + " must be at least 1");
    }
    if (minTokens < 0 || minTokens > maxTokens) {
      throw new IllegalArgumentException("minTokens=" + minTokens + " must be in [0, maxTokens="
          + maxTokens + "]");
    }
  }

  /** Stops at {@code endToken} (allowed from the first step) or after {@code maxTokens} tokens. */
  public static DecodeLimits of(int endToken, int maxTokens) {
    return new DecodeLimits(endToken, 0, maxTokens);
  }

  /** These limits with at least {@code minTokens} tokens before the end token. */
  public DecodeLimits withMinTokens(int minTokens) {
    return new DecodeLimits(endToken, minTokens, maxTokens);
  }

  /** Whether the end token may follow {@code generated} tokens. */
  boolean endAllowedAfter(int generated) {
    return generated >= minTokens;
  }
}
