package bert4j.runtime.train;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Code the {@link Trainer} calls as training goes (Keras's callbacks): at the start and end of the
 * run, of each epoch, and after each step. Every method does nothing unless overridden. A callback
 * that throws stops {@link Trainer#fit} with its exception (after the last checkpoint, which a
 * later fit resumes from); one that wants training to end asks {@link TrainingRun#stop()}.
 *
 * <p>A callback belongs to one training run. One that keeps state across epochs (a best value, a
 * patience count) saves it with each checkpoint and reads it back on resume, so that a resumed run
 * decides as the uninterrupted one would have.
 */
public interface Callback {
  /** Before the first step, after a checkpoint (if any) was resumed. */
  default void onTrainBegin(TrainingRun run) throws IOException {}

  /** Before the epoch's first step (also when a resumed run continues an epoch). */
  default void onEpochBegin(TrainingRun run, int epoch) throws IOException {}

  /** After each training step, before the step's checkpoint (if one is due). */
  default void onStep(TrainingRun run, Step step) throws IOException {}

  /**
   * After the epoch's evaluation, with its results; the model holds the weights that were evaluated
   * (the moving average, when the trainer evaluates under EMA: so keeping the best weights keeps
   * those, as bert4keras examples do), and the trainer swaps its own back afterwards.
   */
  default void onEpochEnd(TrainingRun run, EpochResult result) throws IOException {}

  /** After the last epoch, or the epoch a callback stopped; not after a failure. */
  default void onTrainEnd(TrainingRun run) throws IOException {}

  /** Writes what a resumed run needs into {@code directory} (the callback's own, empty). */
  default void saveState(Path directory) throws IOException {}

  /** Reads back what {@link #saveState} wrote into {@code directory}, on resume. */
  default void loadState(Path directory) throws IOException {}
}
