package bert4j.runtime.generate;

/**
 * Beam-search settings: {@code width} hypotheses kept per input (bert4keras's {@code topk}), and
 * whether a finished hypothesis is ranked by its log-probability divided by its length (the end token
 * counted) instead of the plain sum, which favours short outputs.
 */
public record BeamSearch(int width, boolean lengthNormalized) {
  public BeamSearch {
    if (width < 1) {
      throw new IllegalArgumentException("beam width=" + width + " must be at least 1");
    }
  }

  /** {@code width} beams ranked by the summed log-probability, as bert4keras ranks them. */
  public static BeamSearch of(int width) {
    return new BeamSearch(width, false);
  }

  /** This search with length normalisation on or off. */
  public BeamSearch withLengthNormalization(boolean normalized) {
    return new BeamSearch(width, normalized);
  }
}
