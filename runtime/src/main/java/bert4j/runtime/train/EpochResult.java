package bert4j.runtime.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch gave, by name, in order: {@code loss} (the mean of its steps' losses), each
 * {@link StepMetric}, then the {@link Evaluation}'s metrics. Keras's epoch {@code logs}.
 */
public record EpochResult(int epoch, Map<String, Double> metrics) {
  public EpochResult {
    if (epoch < 1) {
      throw new IllegalArgumentException("epochs count from 1, got " + epoch);
    }
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }

  /** The metric {@code name}; one the epoch lacks is an error naming those it has. */
  public double metric(String name) {
    Double value = metrics.get(name);
    if (value == null) {
      throw new IllegalArgumentException("epoch " + epoch + " has no metric '" + name + "'; it has "
          + metrics.keySet() + " (evaluation metrics come from the Trainer's evaluation)");
    }
    return value;
  }
}
