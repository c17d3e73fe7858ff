package bert4j.runtime.train;

import bert4j.runtime.Batch;
import bert4j.runtime.NonFiniteException;
import bert4j.runtime.Outputs;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.model.GeneratedTransformer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The training loop bert4keras users get from Keras's {@code fit}: epochs of training steps with a
 * progress bar, metrics followed during training, an evaluation at each epoch's end (under the
 * moving average when the model keeps one, as bert4keras examples evaluate), callbacks (best
 * weights, early stopping, a learning-rate log, your own), and checkpoints that an interrupted fit
 * resumes from exactly: the resumed run trains on the same batches with the same dropout masks and
 * gives the same losses, bit for bit, as a run that was never interrupted.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder()
 *     .metrics(Accuracy.ofClasses())
 *     .evaluation(m -> Map.of("val_acc", accuracy(m, dev)))
 *     .callbacks(BestWeights.inMemory(Monitor.max("val_acc")).restoringAtEnd(),
 *         new EarlyStopping(Monitor.max("val_acc"), 2))
 *     .checkpoints(Path.of("checkpoints"), 500)
 *     .build();
 * History history = trainer.fit(model, BatchIterator.over(train).batchSize(32).shuffle(42), 10);
 * }</pre>
 *
 * <p>A training step that finds a NaN or ±∞ in its loss or gradients stops the fit: the trainer
 * prints the epoch, the step and the model's message (which names the training step and the first
 * non-finite tensor) and rethrows the {@link NonFiniteException}. An exception from an evaluation
 * or a callback also ends the fit, unchanged; the latest checkpoint stays, to resume from.
 */
public final class Trainer {
  private final List<StepMetric> metrics;
  private final Evaluation evaluation;
  private final Boolean evaluateUnderEma;
  private final List<Callback> callbacks;
  private final TrainerCheckpoint checkpoints;
  private final int checkpointEvery;
  private final PrintStream out;
  private final Boolean interactive;

  private Trainer(Builder b) {
    this.metrics = List.copyOf(b.metrics);
    this.evaluation = b.evaluation;
    this.evaluateUnderEma = b.evaluateUnderEma;
    this.callbacks = List.copyOf(b.callbacks);
    this.checkpoints = b.checkpoints == null ? null : new TrainerCheckpoint(b.checkpoints);
    this.checkpointEvery = b.checkpointEvery;
    this.out = b.out;
    this.interactive = b.interactive;
  }

  /** A trainer with no metrics, evaluation, callbacks or checkpoints, printing to System.out. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Trains {@code model} for {@code epochs} epochs over {@code batches} (epoch {@code e}, counted
   * from 1, trains on {@code batches.epoch(e - 1)}). With checkpoints, a checkpoint left in the
   * directory by an earlier fit (one that was interrupted, or that trained fewer epochs) is loaded
   * first, model and callbacks, and training continues from it; seed the model's dropout and
   * initialise it as for the first run (the checkpoint replaces both).
   *
   * @return every epoch's results, a resumed run's earlier ones included
   * @throws NonFiniteException when a step's loss or gradient is NaN or infinite
   * @throws IOException when a checkpoint cannot be written or read, or does not fit this run
   * (another
   *     spec, other callbacks, other data)
   */
  public History fit(TransformerModel model, BatchIterator.Builder batches, int epochs)
      throws IOException {
    if (model == null || batches == null) {
      throw new IllegalArgumentException("fit needs a model and its batches");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
    }
    int steps = batches.steps();
    if (steps == 0) {
      throw new IllegalArgumentException("the training batches have no step in an epoch "
          + "(no samples, or fewer than one batch with dropRemainder)");
    }
    boolean underEma = underEma(model);
    TrainerState state = resume(model, steps, epochs);
    List<EpochResult> history = new ArrayList<>(state.history());
    TrainingRun run = new TrainingRun(model, epochs, steps, out);
    if (state.stopped()) {
      run.stop();
    }
    for (Callback c : callbacks) {
      c.onTrainBegin(run);
    }
    for (int epoch = state.epoch(); epoch <= epochs && !run.stopRequested(); epoch++) {
      EpochResult result = epoch(run, batches, epoch, epoch == state.epoch() ? state : null,
          history, underEma);
      history.add(result);
      if (checkpoints != null) {
        checkpoints.save(model, state(model, epoch + 1, 0, steps, new BatchDigest(), Tally.EMPTY,
            Map.of(), history, run.stopRequested()), callbacks);
      }
    }
    for (Callback c : callbacks) {
      c.onTrainEnd(run);
    }
    return new History(history, run.stopRequested());
  }

  /**
   * One epoch: the steps not yet done (those before {@code resumed.step()} are checked against the
   * checkpoint's fingerprint and skipped), then the evaluation and the epoch's callbacks.
   */
  private EpochResult epoch(TrainingRun run, BatchIterator.Builder batches, int epoch,
      TrainerState resumed, List<EpochResult> history, boolean underEma) throws IOException {
    TransformerModel model = run.model();
    int steps = run.stepsPerEpoch();
    BatchIterator iterator = batches.epoch(epoch - 1);
    BatchDigest digest = new BatchDigest();
    int done = resumed == null ? 0 : resumed.step();
    Tally loss = resumed == null ? Tally.EMPTY : resumed.loss();
    Map<String, Tally> tallies = new LinkedHashMap<>();
    for (StepMetric m : metrics) {
      tallies.put(m.name(), Tally.EMPTY);
    }
    if (done > 0) {
      if (!resumed.metrics().keySet().equals(tallies.keySet())) {
        throw new IOException("the checkpoint in " + checkpoints.directory()
            + " followed the metrics " + resumed.metrics().keySet() + ", this trainer has "
            + tallies.keySet());
      }
      tallies.putAll(resumed.metrics());
    }
    for (int i = 0; i < done; i++) {
      digest.add(iterator.next());
    }
    if (done > 0 && digest.value() != resumed.digest()) {
      throw new IOException("the checkpoint in " + checkpoints.directory() + " was taken after "
          + done + " steps of epoch " + epoch + ", but these batches are not the ones it trained "
          + "on: resume with the same samples, batch size, shuffle seed and grouping");
    }
    out.println("Epoch " + epoch + "/" + run.epochs());
    ProgressBar bar = new ProgressBar(out, steps, done, interactive());
    run.startEpoch(epoch, bar);
    try {
      for (Callback c : callbacks) {
        c.onEpochBegin(run, epoch);
      }
      for (int step = done + 1; step <= steps; step++) {
        Batch batch = iterator.next();
        digest.add(batch);
        float stepLoss = trainStep(model, batch, epoch, step, steps, bar);
        loss = loss.plus(new Tally(stepLoss, 1));
        if (!metrics.isEmpty()) {
          Outputs outputs = model.lastOutputs();
          for (StepMetric m : metrics) {
            tallies.merge(m.name(), m.measure(batch, outputs), Tally::plus);
          }
        }
        bar.update(step, means(loss, tallies));
        Step result = new Step(epoch, step, steps, model.trainingSteps(), stepLoss,
            model.lastLearningRate());
        for (Callback c : callbacks) {
          c.onStep(run, result);
        }
        if (run.stopRequested()) {
          break;
        }
        if (checkpoints != null && checkpointEvery > 0 && step < steps
            && model.trainingSteps() % checkpointEvery == 0) {
          checkpoints.save(model, state(model, epoch, step, steps, digest, loss, tallies, history,
              false), callbacks);
        }
      }
      return endEpoch(run, epoch, means(loss, tallies), bar, underEma);
    } finally {
      bar.breakLine();
    }
  }

  /** One step; a non-finite loss or gradient is reported with where it happened, and rethrown. */
  private float trainStep(TransformerModel model, Batch batch, int epoch, int step, int steps,
      ProgressBar bar) {
    try {
      return model.trainStep(batch);
    } catch (NonFiniteException e) {
      bar.breakLine();
      out.println("Epoch " + epoch + ", step " + step + "/" + steps + ": training stopped, "
          + (e.tensor().equals("loss") ? "the loss" : "the gradient of " + e.tensor())
          + " is not finite (" + e.getMessage() + ")"
          + (checkpoints == null ? "" : "; the checkpoint in " + checkpoints.directory()
              + " is from before it"));
      throw e;
    }
  }

  /**
   * The epoch's end: the evaluation and the callbacks, under the moving average when asked (swapped
   * back afterwards whatever happens), and the summary line.
   */
  private EpochResult endEpoch(TrainingRun run, int epoch, Map<String, Double> logs,
      ProgressBar bar, boolean underEma) throws IOException {
    TransformerModel model = run.model();
    boolean ema = underEma && model.updates() > 0;
    if (ema) {
      model.applyEma();
    }
    try {
      if (evaluation != null) {
        Map<String, Double> evaluated = evaluation.evaluate(model);
        for (Map.Entry<String, Double> e : evaluated.entrySet()) {
          if (logs.containsKey(e.getKey()) || e.getValue() == null) {
            throw new IllegalArgumentException("the evaluation's metric '" + e.getKey() + "' "
                + (e.getValue() == null ? "has no value" : "clashes with a training metric (name "
                + "it val_" + e.getKey() + ")"));
          }
          logs.put(e.getKey(), e.getValue());
        }
      }
      EpochResult result = new EpochResult(epoch, logs);
      bar.finish(result.metrics());
      for (Callback c : callbacks) {
        c.onEpochEnd(run, result);
      }
      return result;
    } finally {
      if (ema) {
        model.restore();
      }
    }
  }

  /** The position to start from: the latest checkpoint's, loaded, or the first step. */
  private TrainerState resume(TransformerModel model, int steps, int epochs) throws IOException {
    Optional<Path> latest = checkpoints == null ? Optional.empty() : checkpoints.latest();
    if (latest.isEmpty()) {
      return state(model, 1, 0, steps, new BatchDigest(), Tally.EMPTY, Map.of(), List.of(), false);
    }
    TrainerState state = checkpoints.resume(latest.get(), model, callbacks);
    if (state.stepsPerEpoch() != steps) {
      throw new IOException(latest.get() + " was taken with " + state.stepsPerEpoch()
          + " steps an epoch, these batches have " + steps + ": resume with the same samples and "
          + "batch size");
    }
    out.println("Resuming from " + latest.get() + ": " + (state.stopped()
        ? "a callback stopped training after epoch " + (state.epoch() - 1)
        : state.epoch() > epochs ? "all " + (state.epoch() - 1) + " epochs are trained"
        : "epoch " + state.epoch() + ", step " + state.step() + "/" + steps) + " (training step "
        + state.trainingSteps() + ")");
    return state;
  }

  /** The position after {@code step} steps of {@code epoch}, as a checkpoint records it. */
  private TrainerState state(TransformerModel model, int epoch, int step, int steps,
      BatchDigest digest, Tally loss, Map<String, Tally> tallies, List<EpochResult> history,
      boolean stopped) {
    return new TrainerState(TrainerState.FORMAT, model.specName(), epoch, step, steps,
        model.trainingSteps(), digest.value(), loss, new LinkedHashMap<>(tallies),
        TrainerCheckpoint.names(callbacks), List.copyOf(history), stopped);
  }

  /** Whether the epoch's end runs under the moving average; an error when asked and it has none. */
  private boolean underEma(TransformerModel model) {
    boolean hasEma = model instanceof GeneratedTransformer g && g.optimizer().program().hasEma();
    if (evaluateUnderEma == null) {
      return hasEma && evaluation != null;
    }
    if (evaluateUnderEma && model instanceof GeneratedTransformer && !hasEma) {
      throw new IllegalArgumentException("evaluateUnderEma(true), but " + model.specName()
          + " keeps no moving average: add ema = @Ema(...) to its @Optimizer");
    }
    return evaluateUnderEma;
  }

  private boolean interactive() {
    return interactive != null ? interactive : out == System.out && System.console() != null;
  }

  /** The running loss and metrics, as the bar shows them and the epoch's results start. */
  private static Map<String, Double> means(Tally loss, Map<String, Tally> tallies) {
    Map<String, Double> means = new LinkedHashMap<>();
    means.put("loss", loss.mean());
    tallies.forEach((name, t) -> means.put(name, t.mean()));
    return means;
  }

  /** The settings of a {@link Trainer}. */
  public static final class Builder {
    private final List<StepMetric> metrics = new ArrayList<>();
    private final List<Callback> callbacks = new ArrayList<>();
    private Evaluation evaluation;
    private Boolean evaluateUnderEma;
    private Path checkpoints;
    private int checkpointEvery;
    private PrintStream out = System.out;
    private Boolean interactive;

    private Builder() {}

    /** Metrics followed on the training steps' own outputs, shown after the loss. */
    public Builder metrics(StepMetric... metrics) {
      for (StepMetric m : metrics) {
        if (m == null || m.name().equals("loss")
            || this.metrics.stream().anyMatch(o -> o.name().equals(m.name()))) {
          throw new IllegalArgumentException("metrics need distinct names other than 'loss'");
        }
        this.metrics.add(m);
      }
      return this;
    }

    /** The evaluation at each epoch's end, whose metrics the bar's summary line shows. */
    public Builder evaluation(Evaluation evaluation) {
      this.evaluation = evaluation;
      return this;
    }

    /**
     * Whether the evaluation and the epoch's callbacks see the moving average of the weights
     * (applyEma, then restore, bit for bit). Default: when the model keeps one and there is an
     * evaluation.
     */
    public Builder evaluateUnderEma(boolean underEma) {
      this.evaluateUnderEma = underEma;
      return this;
    }

    /** Callbacks, called in this order. */
    public Builder callbacks(Callback... callbacks) {
      for (Callback c : callbacks) {
        if (c == null) {
          throw new IllegalArgumentException("a callback is null");
        }
        this.callbacks.add(c);
      }
      return this;
    }

    /** Checkpoints in {@code directory} at each epoch's end, and resumed from by {@link #fit}. */
    public Builder checkpoints(Path directory) {
      return checkpoints(directory, 0);
    }

    /**
     * Checkpoints in {@code directory} at each epoch's end and every {@code everySteps} training
     * steps (0: only at epochs' ends), and resumed from by {@link #fit}.
     */
    public Builder checkpoints(Path directory, int everySteps) {
      if (directory == null || everySteps < 0) {
        throw new IllegalArgumentException("checkpoints need a directory and everySteps >= 0");
      }
      this.checkpoints = directory;
      this.checkpointEvery = everySteps;
      return this;
    }

    /** Where the progress bar and the callbacks' lines go (default System.out). */
    public Builder output(PrintStream out) {
      if (out == null) {
        throw new IllegalArgumentException("output must not be null");
      }
      this.out = out;
      return this;
    }

    /**
     * Redraws the bar in place ({@code true}) or prints it as lines (default: in place when
     * printing to System.out on a terminal).
     */
    public Builder interactive(boolean interactive) {
      this.interactive = interactive;
      return this;
    }

    public Trainer build() {
      return new Trainer(this);
    }
  }
}
