package bert4j.runtime.train;

import bert4j.runtime.TransformerModel;
import java.io.PrintStream;

/**
 * The run in progress as callbacks see it: the model, where training is, a way to stop it, and a
 * way to print a line that does not break the progress bar.
 */
public final class TrainingRun {
  private final TransformerModel model;
  private final int epochs;
  private final int stepsPerEpoch;
  private final PrintStream out;
  private int epoch;
  private ProgressBar bar;
  private boolean stopRequested;

  TrainingRun(TransformerModel model, int epochs, int stepsPerEpoch, PrintStream out) {
    this.model = model;
    this.epochs = epochs;
    this.stepsPerEpoch = stepsPerEpoch;
    this.out = out;
  }

  /** The model being trained. */
  public TransformerModel model() {
    return model;
  }

  /** The epochs this fit trains to. */
  public int epochs() {
    return epochs;
  }

  /** Steps (batches) in each epoch. */
  public int stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** The epoch in progress (from 1); 0 before the first. */
  public int epoch() {
    return epoch;
  }

  /**
   * Asks the trainer to stop: after the current step, which ends the epoch early (it is still
   * evaluated and its callbacks run), or, asked at an epoch's end, before the next epoch.
   */
  public void stop() {
    stopRequested = true;
  }

  /** Whether {@link #stop()} was asked. */
  public boolean stopRequested() {
    return stopRequested;
  }

  /** Prints a line to the trainer's output, below the progress bar. */
  public void log(String line) {
    if (bar != null) {
      bar.breakLine();
    }
    out.println(line);
  }

  void startEpoch(int epoch, ProgressBar bar) {
    this.epoch = epoch;
    this.bar = bar;
  }
}
