package bert4j.runtime.train;

/**
 * A running mean kept as its sum and count, so that it adds up exactly across steps and survives a
 * checkpoint: what the progress bar shows for the loss and for each {@link StepMetric}.
 */
public record Tally(double sum, long count) {
  /** Nothing counted yet. */
  public static final Tally EMPTY = new Tally(0, 0);

  public Tally {
    if (count < 0) {
      throw new IllegalArgumentException("a tally counts at least 0 items, got " + count);
    }
  }

  /** This tally with {@code other}'s sum and count added. */
  public Tally plus(Tally other) {
    return new Tally(sum + other.sum, count + other.count);
  }

  /** sum / count; 0 while nothing is counted. */
  public double mean() {
    return count == 0 ? 0 : sum / count;
  }
}
