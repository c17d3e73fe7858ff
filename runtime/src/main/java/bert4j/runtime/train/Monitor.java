package bert4j.runtime.train;

/**
 * The metric a callback watches and which way is better: {@code Monitor.max("val_f1")},
 * {@code Monitor.min("val_loss")} (Keras's {@code monitor} and {@code mode}).
 */
public record Monitor(String metric, boolean higherIsBetter) {
  public Monitor {
    if (metric == null || metric.isEmpty()) {
      throw new IllegalArgumentException("a monitor needs the name of a metric, e.g. val_f1");
    }
  }

  /** Watches {@code metric}, higher being better (accuracy, F1). */
  public static Monitor max(String metric) {
    return new Monitor(metric, true);
  }

  /** Watches {@code metric}, lower being better (a loss). */
  public static Monitor min(String metric) {
    return new Monitor(metric, false);
  }

  /** The metric's value in an epoch's results (an error naming the metrics it has when missing). */
  public double valueIn(EpochResult result) {
    return result.metric(metric);
  }

  /** Whether {@code value} is strictly better than {@code best}; NaN never is. */
  public boolean improves(double value, double best) {
    return higherIsBetter ? value > best : value < best;
  }

  /** Where a search for the best starts: −∞ or +∞. */
  public double worst() {
    return higherIsBetter ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
  }

  @Override
  public String toString() {
    return metric + (higherIsBetter ? " (max)" : " (min)");
  }
}
