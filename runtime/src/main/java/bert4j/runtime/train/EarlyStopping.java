package bert4j.runtime.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Stops training when a metric has not improved for {@code patience} epochs in a row (Keras's
 * {@code EarlyStopping}); pair it with {@link BestWeights} to end with the best epoch's weights.
 */
public final class EarlyStopping implements Callback {
  private static final String STATE = "early-stopping.json";
  private final Monitor monitor;
  private final int patience;
  private double best;
  private int bestEpoch;
  private int epochsWithout;

  /** The best value, its epoch and the epochs since, as a checkpoint records them. */
  private record State(double best, int bestEpoch, int epochsWithout) {}

  /** Stops once {@code monitor} has not improved for {@code patience} epochs (0: at once). */
  public EarlyStopping(Monitor monitor, int patience) {
    if (monitor == null || patience < 0) {
      throw new IllegalArgumentException("EarlyStopping needs a monitor and a patience >= 0");
    }
    this.monitor = monitor;
    this.patience = patience;
    this.best = monitor.worst();
  }

  @Override
  public void onEpochEnd(TrainingRun run, EpochResult result) {
    double value = monitor.valueIn(result);
    if (monitor.improves(value, best)) {
      best = value;
      bestEpoch = result.epoch();
      epochsWithout = 0;
    } else if (++epochsWithout >= patience) {
      run.stop();
      run.log(String.format(Locale.ROOT,
          "Epoch %d: early stopping, %s has not improved for %d epoch(s) (best %.4f at epoch %d)",
          result.epoch(), monitor.metric(), epochsWithout, best, bestEpoch));
    }
  }

  @Override
  public void saveState(Path directory) throws IOException {
    JsonFiles.write(directory.resolve(STATE), new State(best, bestEpoch, epochsWithout));
  }

  @Override
  public void loadState(Path directory) throws IOException {
    State state = JsonFiles.read(directory.resolve(STATE), State.class);
    best = state.best();
    bestEpoch = state.bestEpoch();
    epochsWithout = state.epochsWithout();
  }
}
