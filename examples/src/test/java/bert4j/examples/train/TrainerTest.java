package bert4j.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.NonFiniteException;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.data.Sample;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.train.Accuracy;
import bert4j.runtime.train.BestWeights;
import bert4j.runtime.train.Callback;
import bert4j.runtime.train.EarlyStopping;
import bert4j.runtime.train.EpochResult;
import bert4j.runtime.train.Evaluation;
import bert4j.runtime.train.History;
import bert4j.runtime.train.LearningRateLog;
import bert4j.runtime.train.Monitor;
import bert4j.runtime.train.Step;
import bert4j.runtime.train.Trainer;
import bert4j.runtime.train.TrainingRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link Trainer} on a tiny generated classifier: an interrupted fit resumes from its
 * checkpoint in a fresh model and gives the uninterrupted run's losses bit for bit; a NaN stops
 * training naming the step and the tensor; evaluating under EMA leaves the weights exactly as they
 * were; the best epoch's weights come back at the end; early stopping stops.
 */
class TrainerTest {
  private static final int BATCH = 8;
  private static final int MAX_LENGTH = 12;
  private static final int EPOCHS = 3;
  /** 40 samples in batches of 8: 5 steps an epoch, 15 in all. */
  private static final List<Sample> TRAIN = samples(40, 1);
  private static final List<Sample> DEV = samples(16, 2);
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static Kernels kernels;

  @BeforeAll
  static void open() {
    kernels = Backend.cpu();
  }

  @AfterAll
  static void close() {
    kernels.close();
  }

  /** Random token sequences of 4 to 12 tokens; the label says whether token 7 occurs. */
  private static List<Sample> samples(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] tokens = new int[4 + random.nextInt(MAX_LENGTH - 3)];
      boolean seven = false;
      for (int t = 0; t < tokens.length; t++) {
        tokens[t] = 1 + random.nextInt(29);
        seven |= tokens[t] == 7;
      }
      samples.add(Sample.withLabel(tokens, new int[tokens.length], seven ? 1 : 0));
    }
    return samples;
  }

  private static BatchIterator.Builder batches(long seed) {
    return BatchIterator.over(TRAIN).batchSize(BATCH).shuffle(seed);
  }

  /** A fresh model: other initialisation and dropout seeds give away a checkpoint not loaded. */
  private static TrainerModelImpl model(long seed) {
    TrainerModelImpl model = TrainerModelImpl.create(kernels, BATCH, MAX_LENGTH);
    model.initialize(seed);
    model.seedDropout(seed);
    return model;
  }

  private static double accuracy(TransformerModel model, List<Sample> samples) {
    Accuracy accuracy = new Accuracy();
    BatchIterator batches = BatchIterator.over(samples).batchSize(BATCH).epoch(0);
    while (batches.hasNext()) {
      Batch batch = batches.next();
      accuracy.add(model.forward(batch).classLogits(), batch.labels());
    }
    return accuracy.value();
  }

  private static final Evaluation DEV_ACCURACY = m -> Map.of("val_acc", accuracy(m, DEV));

  /** Records each step's loss; throws after training step {@code failAt} (0: never). */
  private static final class Recorder implements Callback {
    final List<Float> losses = new ArrayList<>();
    final List<Long> steps = new ArrayList<>();
    private final long failAt;

    Recorder(long failAt) {
      this.failAt = failAt;
    }

    @Override
    public void onStep(TrainingRun run, Step step) {
      losses.add(step.loss());
      steps.add(step.trainingStep());
      if (step.trainingStep() == failAt) {
        throw new IllegalStateException("interrupted after step " + failAt);
      }
    }
  }

  /** Everything a run's callbacks hold, made anew for each run as a new process would. */
  private record Run(Trainer trainer, Recorder recorder, BestWeights best, LearningRateLog rates) {}

  private static Run run(Path checkpoints, long failAt) {
    Recorder recorder = new Recorder(failAt);
    BestWeights best = BestWeights.inMemory(Monitor.max("val_acc"));
    LearningRateLog rates = new LearningRateLog(2);
    Trainer.Builder builder = Trainer.builder().output(QUIET).metrics(Accuracy.ofClasses())
        .evaluation(DEV_ACCURACY)
        .callbacks(recorder, best, new EarlyStopping(Monitor.max("val_acc"), 10), rates);
    if (checkpoints != null) {
      builder.checkpoints(checkpoints, 3);
    }
    return new Run(builder.build(), recorder, best, rates);
  }

  private static Map<String, float[]> parameters(TransformerModel model) {
    Map<String, float[]> all = new LinkedHashMap<>();
    for (ParameterInfo p : model.parameters()) {
      all.put(p.name(), model.parameter(p.name()).data());
    }
    return all;
  }

  private static void assertBitEqual(Map<String, float[]> expected, Map<String, float[]> actual,
      String what) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      assertArrayEquals(bits(expected.get(name)), bits(actual.get(name)), what + ": " + name);
    }
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static int[] lossBits(List<Float> losses) {
    int[] bits = new int[losses.size()];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = Float.floatToRawIntBits(losses.get(i));
    }
    return bits;
  }

  /**
   * (a) Interrupted after training step {@code failAt} (checkpoints every 3 steps and each epoch:
   * mid-epoch 1, mid-epoch 2, and just after epoch 2's end), resumed in a fresh model with fresh
   * callbacks: the losses, the weights, the history and the callbacks' records equal those of a run
   * that was never interrupted.
   */
  @ParameterizedTest
  @ValueSource(ints = {4, 8, 11})
  void interruptedFitResumesBitForBit(int failAt, @TempDir Path dir) throws Exception {
    Run straight = run(null, 0);
    History expected;
    Map<String, float[]> expectedWeights;
    try (TrainerModelImpl model = model(7)) {
      expected = straight.trainer().fit(model, batches(42), EPOCHS);
      expectedWeights = parameters(model);
    }
    assertEquals(15, straight.recorder().losses.size());

    Run first = run(dir, failAt);
    try (TrainerModelImpl model = model(7)) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> first.trainer().fit(model, batches(42), EPOCHS));
      assertEquals("interrupted after step " + failAt, e.getMessage());
    }
    int saved = failAt / 3 * 3 == 9 ? 10 : failAt / 3 * 3;
    try (Stream<Path> entries = Files.list(dir)) {
      assertEquals(List.of(String.format("step-%010d", saved)),
          entries.map(p -> p.getFileName().toString()).toList());
    }
    // a save killed halfway leaves a directory without trainer.json: never resumed, then removed
    Path partial = Files.createDirectories(dir.resolve("step-0000000099"));
    Files.writeString(partial.resolve("model.safetensors"), "half a file");

    Run resumed = run(dir, 0);
    History history;
    Map<String, float[]> weights;
    try (TrainerModelImpl model = model(123)) {
      history = resumed.trainer().fit(model, batches(42), EPOCHS);
      weights = parameters(model);
      assertEquals(15, model.trainingSteps());
    }
    assertEquals(saved + 1, resumed.recorder().steps.get(0), "resumed after the checkpoint");
    List<Float> losses = new ArrayList<>(first.recorder().losses.subList(0, saved));
    losses.addAll(resumed.recorder().losses);
    assertArrayEquals(lossBits(straight.recorder().losses), lossBits(losses));
    assertBitEqual(expectedWeights, weights, "weights after the resumed run");
    assertEquals(expected, history, "every epoch's loss, accuracy and val_acc");
    assertEquals(straight.rates().entries(), resumed.rates().entries());
    assertEquals(straight.best().bestEpoch(), resumed.best().bestEpoch());
    assertFalse(Files.exists(partial));

    // fit again: the checkpoint says all epochs are trained, so nothing more is
    Run again = run(dir, 0);
    try (TrainerModelImpl model = model(5)) {
      assertEquals(expected, again.trainer().fit(model, batches(42), EPOCHS));
      assertTrue(again.recorder().losses.isEmpty());
      assertBitEqual(expectedWeights, parameters(model), "weights of the final checkpoint");
    }
  }

  @Test
  void resumeRefusesOtherData(@TempDir Path dir) throws Exception {
    try (TrainerModelImpl model = model(7)) {
      assertThrows(IllegalStateException.class,
          () -> run(dir, 7).trainer().fit(model, batches(42), EPOCHS));
    }
    try (TrainerModelImpl model = model(7)) {
      IOException e = assertThrows(IOException.class,
          () -> run(dir, 0).trainer().fit(model, batches(43), EPOCHS));
      assertTrue(e.getMessage().contains("not the ones it trained on"), e.getMessage());
    }
    try (TrainerModelImpl model = model(7)) {
      IOException e = assertThrows(IOException.class, () -> Trainer.builder().output(QUIET)
          .callbacks(new Recorder(0)).checkpoints(dir, 3).build().fit(model, batches(42), EPOCHS));
      assertTrue(e.getMessage().contains("same callbacks"), e.getMessage());
    }
  }

  /** (b) A NaN put into a weight stops the next step; the trainer names the step and the tensor. */
  @Test
  void nonFiniteStopsNamingStepAndTensor() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    String poisoned = "classifier.weight";
    Callback poison = new Callback() {
      @Override
      public void onStep(TrainingRun run, Step step) {
        if (step.trainingStep() == 3) {
          FloatTensor w = run.model().parameter(poisoned);
          float[] values = w.data().clone();
          values[1] = Float.NaN;
          run.model().setParameter(poisoned, new FloatTensor(w.shape(), values));
        }
      }
    };
    Trainer trainer = Trainer.builder().callbacks(poison)
        .output(new PrintStream(printed, true, StandardCharsets.UTF_8)).build();
    try (TrainerModelImpl model = model(7)) {
      NonFiniteException e = assertThrows(NonFiniteException.class,
          () -> trainer.fit(model, batches(42), EPOCHS));
      assertEquals(4, e.step());
      assertTrue(model.parameters().stream().anyMatch(p -> p.name().equals(e.tensor())));
      assertTrue(e.getMessage().contains("training step 4"), e.getMessage());
      assertTrue(e.getMessage().contains(poisoned), e.getMessage());
      assertEquals(3, model.trainingSteps(), "no update from the failed step");
      String output = printed.toString(StandardCharsets.UTF_8);
      assertTrue(output.contains("Epoch 1, step 4/5: training stopped, the gradient of "
          + e.tensor() + " is not finite"), output);
      assertTrue(output.contains(poisoned), output);
    }
  }

  /**
   * (c) Evaluating under EMA: the evaluation sees the average, and training goes on from the exact
   * weights it had; the run's losses and weights equal those of a run that never evaluated.
   */
  @Test
  void emaEvaluationRestoresTheExactWeights() throws Exception {
    List<Map<String, float[]>> evaluated = new ArrayList<>();
    List<Map<String, float[]>> beforeEvaluation = new ArrayList<>();
    List<Map<String, float[]>> afterEvaluation = new ArrayList<>();
    Callback snapshots = new Callback() {
      @Override
      public void onStep(TrainingRun run, Step step) {
        if (step.step() == step.steps()) {
          beforeEvaluation.add(parameters(run.model()));
        }
      }

      @Override
      public void onEpochBegin(TrainingRun run, int epoch) {
        if (epoch > 1) {
          afterEvaluation.add(parameters(run.model()));
        }
      }
    };
    Recorder withEma = new Recorder(0);
    Map<String, float[]> finalWeights;
    try (TrainerModelImpl model = model(7)) {
      Trainer trainer = Trainer.builder().output(QUIET).callbacks(withEma, snapshots)
          .evaluation(m -> {
            assertTrue(m.emaApplied());
            evaluated.add(parameters(m));
            return Map.of("val_acc", accuracy(m, DEV));
          }).build();
      trainer.fit(model, batches(42), EPOCHS);
      assertFalse(model.emaApplied());
      finalWeights = parameters(model);
    }
    assertEquals(EPOCHS, evaluated.size());
    for (int epoch = 0; epoch < EPOCHS - 1; epoch++) {
      assertBitEqual(beforeEvaluation.get(epoch), afterEvaluation.get(epoch),
          "weights around epoch " + (epoch + 1) + "'s evaluation");
      assertFalse(java.util.Arrays.equals(evaluated.get(epoch).get("classifier.weight"),
          beforeEvaluation.get(epoch).get("classifier.weight")), "the evaluation saw the average");
    }
    Recorder plain = new Recorder(0);
    try (TrainerModelImpl model = model(7)) {
      Trainer.builder().output(QUIET).callbacks(plain).build().fit(model, batches(42), EPOCHS);
      assertBitEqual(parameters(model), finalWeights, "weights with and without evaluation");
    }
    assertArrayEquals(lossBits(plain.losses), lossBits(withEma.losses));
  }

  /**
   * (d) The best epoch's (averaged) weights come back at the end, from memory or from a file; early
   * stopping stops once the metric has not improved for its patience.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void bestWeightsComeBackAndEarlyStoppingStops(boolean inMemory, @TempDir Path dir)
      throws Exception {
    double[] scripted = {0.5, 0.9, 0.7, 0.6, 0.95};
    List<Map<String, float[]>> evaluated = new ArrayList<>();
    Evaluation evaluation = m -> {
      evaluated.add(parameters(m));
      return Map.of("val_f1", scripted[evaluated.size() - 1]);
    };
    Path file = dir.resolve("best.safetensors");
    BestWeights best = (inMemory ? BestWeights.inMemory(Monitor.max("val_f1"))
        : BestWeights.savedTo(file, Monitor.max("val_f1"))).restoringAtEnd();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Trainer trainer = Trainer.builder().evaluation(evaluation)
        .callbacks(best, new EarlyStopping(Monitor.max("val_f1"), 2))
        .output(new PrintStream(printed, true, StandardCharsets.UTF_8)).build();
    try (TrainerModelImpl model = model(7)) {
      History history = trainer.fit(model, batches(42), scripted.length);
      assertTrue(history.stoppedEarly());
      assertEquals(4, history.epochs().size(), "stopped after 2 epochs without improvement");
      assertEquals(List.of(0.5, 0.9, 0.7, 0.6),
          history.epochs().stream().map(r -> r.metric("val_f1")).toList());
      assertEquals(2, best.bestEpoch());
      assertEquals(0.9, best.best());
      assertNotEquals(0, Float.compare(evaluated.get(1).get("classifier.weight")[0],
          evaluated.get(3).get("classifier.weight")[0]));
      assertBitEqual(evaluated.get(1), parameters(model), "the restored weights");
      assertEquals(!inMemory, Files.exists(file));
    }
    String output = printed.toString(StandardCharsets.UTF_8);
    assertTrue(output.contains("Epoch 2: val_f1 improved from 0.5000 to 0.9000"), output);
    assertTrue(output.contains("Epoch 4: early stopping"), output);
    assertTrue(output.contains("Restored the weights of epoch 2"), output);
  }

  @Test
  void printsKerasStyleEpochs() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    LearningRateLog rates = new LearningRateLog(1);
    try (TrainerModelImpl model = model(7)) {
      History history = Trainer.builder().metrics(Accuracy.ofClasses()).evaluation(DEV_ACCURACY)
          .callbacks(rates).output(new PrintStream(printed, true, StandardCharsets.UTF_8))
          .interactive(false).build().fit(model, batches(42), 2);
      EpochResult last = history.last();
      assertEquals(List.of("loss", "acc", "val_acc"), List.copyOf(last.metrics().keySet()));
      assertEquals(10, rates.entries().size());
      assertEquals(model.lastLearningRate(), rates.entries().get(9).learningRate());
      assertEquals(0, rates.entries().get(0).learningRate(), "the schedule starts at 0");
      assertEquals(0.25 * 1e-2, rates.entries().get(1).learningRate(), 1e-12, "warming up");
    }
    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals("Epoch 1/2", lines.get(0));
    assertTrue(lines.get(1).matches("1/5 \\[={5}>\\.{24}\\] - ETA: \\d+s - loss: \\d\\.\\d{4}"
        + " - acc: \\d\\.\\d{4}"), lines.get(1));
    assertTrue(lines.stream().anyMatch(l -> l.matches("5/5 \\[={30}\\] - \\d+s \\d+[mu]?s/step"
        + " - loss: \\d\\.\\d{4} - acc: \\d\\.\\d{4} - val_acc: \\d\\.\\d{4}")),
        String.join("\n", lines));
    assertTrue(lines.contains("Epoch 2/2"));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("Epoch 1: learning rate ")));
  }

  @Test
  void evaluationWithoutEmaWhenAsked() throws Exception {
    List<Boolean> applied = new ArrayList<>();
    try (TrainerModelImpl model = model(7)) {
      Trainer.builder().output(QUIET).evaluateUnderEma(false).evaluation(m -> {
        applied.add(m.emaApplied());
        return Map.of("val_acc", accuracy(m, DEV));
      }).build().fit(model, batches(42), 2);
    }
    assertEquals(List.of(false, false), applied);
  }
}
