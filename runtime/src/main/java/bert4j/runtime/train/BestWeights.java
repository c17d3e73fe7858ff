package bert4j.runtime.train;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.io.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Keeps the weights of the best epoch by a metric, as bert4keras examples do at each epoch's end
 * ({@code if val_f1 > best: model.save_weights(...)}), in memory or saved to a file, and, when
 * asked, puts them back into the model when training ends (Keras's {@code restore_best_weights}).
 * The weights kept are those the epoch was evaluated with: the moving average when the trainer
 * evaluates under EMA. In memory, the kept weights travel with the trainer's checkpoints.
 */
public final class BestWeights implements Callback {
  private static final String STATE = "best.json";
  private static final String WEIGHTS = "weights.safetensors";
  private final Monitor monitor;
  private final Path file;
  private boolean restoreAtEnd;
  private double best;
  private int bestEpoch;
  private Map<String, FloatTensor> kept;

  /** The best value so far and its epoch (0: none yet), as a checkpoint records them. */
  private record State(double best, int bestEpoch) {}

  private BestWeights(Monitor monitor, Path file) {
    if (monitor == null) {
      throw new IllegalArgumentException(
          "BestWeights needs a monitor, e.g. Monitor.max(\"val_f1\")");
    }
    this.monitor = monitor;
    this.file = file;
    this.best = monitor.worst();
  }

  /** Keeps a copy of the best epoch's parameters in memory. */
  public static BestWeights inMemory(Monitor monitor) {
    return new BestWeights(monitor, null);
  }

  /**
   * Saves the best epoch's model to {@code file} ({@link TransformerModel#save}: the weights with
   * the optimizer state), replacing it at each improvement.
   */
  public static BestWeights savedTo(Path file, Monitor monitor) {
    if (file == null) {
      throw new IllegalArgumentException("BestWeights.savedTo needs a file");
    }
    return new BestWeights(monitor, file);
  }

  /**
   * Puts the best weights back into the model when training ends; from a file this is
   * {@link TransformerModel#load}, which also brings back that epoch's optimizer state and
   * counters.
   */
  public BestWeights restoringAtEnd() {
    restoreAtEnd = true;
    return this;
  }

  /** The best value of the metric so far (−∞ or +∞ before the first epoch). */
  public double best() {
    return best;
  }

  /** The epoch of the best value, from 1; 0 before the first epoch ends. */
  public int bestEpoch() {
    return bestEpoch;
  }

  @Override
  public void onEpochEnd(TrainingRun run, EpochResult result) throws IOException {
    double value = monitor.valueIn(result);
    if (!monitor.improves(value, best)) {
      return;
    }
    run.log(String.format(Locale.ROOT, "Epoch %d: %s improved from %.4f to %.4f, %s",
        result.epoch(), monitor.metric(), best, value,
        file == null ? "keeping the weights" : "saving the weights to " + file));
    best = value;
    bestEpoch = result.epoch();
    TransformerModel model = run.model();
    if (file == null) {
      kept = new LinkedHashMap<>();
      for (ParameterInfo p : model.parameters()) {
        kept.put(p.name(), model.parameter(p.name()));
      }
    } else {
      model.save(file);
    }
  }

  @Override
  public void onTrainEnd(TrainingRun run) throws IOException {
    if (!restoreAtEnd || bestEpoch == 0) {
      return;
    }
    TransformerModel model = run.model();
    if (file == null) {
      kept.forEach(model::setParameter);
    } else {
      model.load(file);
    }
    run.log(String.format(Locale.ROOT, "Restored the weights of epoch %d (%s: %.4f)", bestEpoch,
        monitor.metric(), best));
  }

  @Override
  public void saveState(Path directory) throws IOException {
    JsonFiles.write(directory.resolve(STATE), new State(best, bestEpoch));
    if (kept != null) {
      SafeTensorsWriter.write(directory.resolve(WEIGHTS), kept, Map.of());
    }
  }

  @Override
  public void loadState(Path directory) throws IOException {
    State state = JsonFiles.read(directory.resolve(STATE), State.class);
    best = state.best();
    bestEpoch = state.bestEpoch();
    kept = null;
    if (Files.exists(directory.resolve(WEIGHTS))) {
      kept = new LinkedHashMap<>();
      try (SafeTensorsReader reader = SafeTensorsReader.open(directory.resolve(WEIGHTS))) {
        for (String name : reader.names()) {
          kept.put(name, reader.read(name));
        }
      }
    }
  }
}
