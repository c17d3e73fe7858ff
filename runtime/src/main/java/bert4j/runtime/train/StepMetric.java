package bert4j.runtime.train;

import bert4j.runtime.Batch;
import bert4j.runtime.Outputs;
import java.util.function.BiFunction;

/**
 * A metric the {@link Trainer} follows during an epoch from each training step's own outputs (no
 * second forward pass), shown on the progress bar as its running mean and kept in the epoch's
 * results: Keras's {@code metrics=['accuracy']}. See {@link Accuracy#ofClasses()}.
 */
public interface StepMetric {
  /** The name on the progress bar and in {@link EpochResult#metrics()}, e.g. {@code acc}. */
  String name();

  /**
   * What one step adds: e.g. (correct, sequences). {@code outputs} are the training step's
   * (computed with dropout), {@code batch} the batch it trained on.
   */
  Tally measure(Batch batch, Outputs outputs);

  /** The metric {@code name} measured by {@code measure}. */
  static StepMetric of(String name, BiFunction<Batch, Outputs, Tally> measure) {
    if (name == null || measure == null) {
      throw new IllegalArgumentException("a step metric needs a name and a measure");
    }
    return new StepMetric() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Tally measure(Batch batch, Outputs outputs) {
        return measure.apply(batch, outputs);
      }
    };
  }
}
