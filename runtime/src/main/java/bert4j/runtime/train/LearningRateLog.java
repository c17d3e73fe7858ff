package bert4j.runtime.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The learning rate the model's compiled schedule gave, recorded every {@code everySteps} training
 * steps (to plot or check a warmup) and printed at each epoch's end: what Keras users read from
 * {@code LearningRateScheduler(verbose=1)}.
 */
public final class LearningRateLog implements Callback {
  private static final String STATE = "learning-rates.json";
  private final int everySteps;
  private final List<Entry> entries = new ArrayList<>();

  /** The learning rate of the update at training step {@code step}. */
  public record Entry(long step, double learningRate) {}

  /** What a checkpoint records: the entries so far. */
  private record State(List<Entry> entries) {}

  /** Records the rate at every {@code everySteps}-th training step. */
  public LearningRateLog(int everySteps) {
    if (everySteps < 1) {
      throw new IllegalArgumentException("everySteps must be >= 1, got " + everySteps);
    }
    this.everySteps = everySteps;
  }

  /** The rates recorded so far, in step order. */
  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  @Override
  public void onStep(TrainingRun run, Step step) {
    if (step.trainingStep() % everySteps == 0) {
      entries.add(new Entry(step.trainingStep(), step.learningRate()));
    }
  }

  @Override
  public void onEpochEnd(TrainingRun run, EpochResult result) {
    run.log(String.format(Locale.ROOT, "Epoch %d: learning rate %.4g", result.epoch(),
        run.model().lastLearningRate()));
  }

  @Override
  public void saveState(Path directory) throws IOException {
    JsonFiles.write(directory.resolve(STATE), new State(entries));
  }

  @Override
  public void loadState(Path directory) throws IOException {
    entries.clear();
    entries.addAll(JsonFiles.read(directory.resolve(STATE), State.class).entries());
  }
}
