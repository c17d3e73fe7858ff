package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.Batch;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.io.NonFinite;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.model.GeneratedTransformer;
import bert4j.runtime.optim.StateTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * What the load tests compare a model with: everything a load may change (parameters, optimizer state,
 * step counters, learning rate, dropout stream), as the bytes of a save; and the values of a file, as
 * the loader should have taken them.
 */
final class CheckpointAssertions {
  static final String OPTIMIZER = "bert4j.optimizer";
  static final String STEPS = "bert4j.optimizer.steps";
  static final String LEARNING_RATE = "bert4j.optimizer.learning_rate";
  static final String DROPOUT_SEED = "bert4j.dropout.seed";
  static final String DROPOUT_CALLS = "bert4j.dropout.calls";

  private CheckpointAssertions() {}

  /** A batch of 4 sequences of length 8, token ids in [1, 20), two classes, from {@code seed}. */
  static Batch batch(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[][] tokens = new int[4][8];
    int[][] segments = new int[4][8];
    int[] labels = new int[4];
    for (int b = 0; b < 4; b++) {
      for (int i = 0; i < 3 + random.nextInt(6); i++) {
        tokens[b][i] = 1 + random.nextInt(19);
        segments[b][i] = i >= 4 ? 1 : 0;
      }
      labels[b] = random.nextInt(2);
    }
    return Batch.withLabels(tokens, segments, labels);
  }

  /**
   * The parameters, the optimizer state, the step counter, the learning rate and whether the moving
   * average is applied, as bits: a cheap {@link #fingerprint} that leaves out only the dropout stream.
   */
  static int[] state(GeneratedTransformer model) {
    IntStream.Builder bits = IntStream.builder();
    for (ParameterInfo p : model.parameters()) {
      for (float v : model.parameter(p.name()).data()) {
        bits.add(Float.floatToRawIntBits(v));
      }
    }
    for (StateTensor t : model.optimizer().stateTensors()) {
      for (float v : model.optimizerState(t.name()).data()) {
        bits.add(Float.floatToRawIntBits(v));
      }
    }
    long rate = Double.doubleToRawLongBits(model.lastLearningRate());
    return bits.add((int) model.trainingSteps()).add((int) (model.trainingSteps() >>> 32))
        .add((int) rate).add((int) (rate >>> 32)).add(model.emaApplied() ? 1 : 0).build().toArray();
  }

  /**
   * The model's whole state as bytes: its save (NaN allowed; a trained model's save holds every
   * parameter, every state tensor and every counter) and whether the moving average is applied.
   */
  static byte[] fingerprint(GeneratedTransformer model, Path scratch) throws IOException {
    model.save(scratch, NonFinite.ALLOW);
    byte[] saved = Files.readAllBytes(scratch);
    byte[] bytes = Arrays.copyOf(saved, saved.length + 1);
    bytes[saved.length] = (byte) (model.emaApplied() ? 1 : 0);
    return bytes;
  }

  /**
   * The model holds exactly what {@code file} says, bit for bit: every parameter under the name the
   * loader looks for first, and, when the file's optimizer is the model's, its state and counters
   * (otherwise a fresh optimizer).
   */
  static void assertHoldsFile(GeneratedTransformer model, Path file, Path scratch) throws IOException {
    try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
      for (ParameterInfo p : model.parameters()) {
        String name = candidates(p.name()).stream().filter(reader::contains).findFirst().orElseThrow();
        assertBits(reader.read(name).data(), model.parameter(p.name()).data(), name);
      }
      Map<String, String> meta = reader.metadata();
      boolean resumes = model.optimizer().program().describe().equals(meta.get(OPTIMIZER));
      for (StateTensor t : model.optimizer().stateTensors()) {
        float[] expected = resumes ? reader.read(t.name()).data() : new float[t.size()];
        assertBits(expected, model.optimizerState(t.name()).data(), t.name());
      }
      assertEquals(resumes ? Long.parseLong(meta.get(STEPS)) : 0, model.trainingSteps(), STEPS);
      assertEquals(resumes ? Double.parseDouble(meta.get(LEARNING_RATE)) : 0.0, model.lastLearningRate(),
          LEARNING_RATE);
      if (resumes && model.trainingSteps() > 0) {
        model.save(scratch, NonFinite.ALLOW);
        try (SafeTensorsReader saved = SafeTensorsReader.open(scratch)) {
          for (String key : List.of(DROPOUT_SEED, DROPOUT_CALLS)) {
            assertEquals(Long.parseLong(meta.get(key)), Long.parseLong(saved.metadata().get(key)), key);
          }
        }
      }
    }
  }

  private static void assertBits(float[] expected, float[] actual, String name) {
    assertEquals(expected.length, actual.length, name);
    int[] expectedBits = new int[expected.length];
    int[] actualBits = new int[actual.length];
    for (int i = 0; i < expected.length; i++) {
      expectedBits[i] = Float.floatToRawIntBits(expected[i]);
      actualBits[i] = Float.floatToRawIntBits(actual[i]);
    }
    assertArrayEquals(expectedBits, actualBits, name);
  }

  /** The loader's order: the name itself, then with {@code bert.}, then the old gamma/beta spelling. */
  private static List<String> candidates(String name) {
    List<String> spellings = new ArrayList<>(List.of(name));
    if (name.endsWith("LayerNorm.weight")) {
      spellings.add(name.replace("LayerNorm.weight", "LayerNorm.gamma"));
    } else if (name.endsWith("LayerNorm.bias")) {
      spellings.add(name.replace("LayerNorm.bias", "LayerNorm.beta"));
    }
    List<String> names = new ArrayList<>();
    for (String spelling : spellings) {
      names.add(spelling);
      if (!spelling.startsWith("cls.") && !spelling.startsWith("classifier.")) {
        names.add("bert." + spelling);
      }
    }
    return names;
  }
}
