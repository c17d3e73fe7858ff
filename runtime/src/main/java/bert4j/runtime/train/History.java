package bert4j.runtime.train;

import java.util.List;

/**
 * What {@link Trainer#fit} returns: each epoch's results in order (a resumed run's earlier epochs
 * included), and whether a callback stopped training ({@link EarlyStopping}, {@link
 * TrainingRun#stop()}).
 */
public record History(List<EpochResult> epochs, boolean stoppedEarly) {
  public History {
    epochs = List.copyOf(epochs);
  }

  /** The last epoch's results; an error when no epoch has ended. */
  public EpochResult last() {
    if (epochs.isEmpty()) {
      throw new IllegalStateException("no epoch has ended");
    }
    return epochs.get(epochs.size() - 1);
  }
}
