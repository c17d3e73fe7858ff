package bert4j.examples.model;

import static bert4j.examples.model.CheckpointAssertions.DROPOUT_CALLS;
import static bert4j.examples.model.CheckpointAssertions.DROPOUT_SEED;
import static bert4j.examples.model.CheckpointAssertions.LEARNING_RATE;
import static bert4j.examples.model.CheckpointAssertions.STEPS;
import static bert4j.examples.model.CheckpointAssertions.assertHoldsFile;
import static bert4j.examples.model.CheckpointAssertions.batch;
import static bert4j.examples.model.CheckpointAssertions.fingerprint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.optim.AllExtensionsModelImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.NonFinite;
import bert4j.runtime.io.SafeTensorsFormatException;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import bert4j.runtime.text.KeepTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A load is all or nothing: each file here is wrong in one place that the loader reaches only after the
 * parameters (the optimizer state's dtype, a metadata value, one NaN), and the model that fails to load
 * it keeps every parameter, every state tensor and every counter bit for bit. Also NaN on save and in
 * {@code applyEma}, a closed model, and null paths.
 */
class LoadAtomicityTest {
  /** A tensor late in the file, so a loader that writes as it reads has written the others. */
  private static final String LAST_STATE = "optimizer.accumulated.classifier.bias";
  private static final String WEIGHT = "bert.encoder.layer.0.attention.self.query.weight";

  @TempDir Path dir;
  private Kernels kernels;
  /** The model that fails to load, trained 3 steps from its own seeds. */
  private GeneratedTransformer model;
  /** The save of another run of the same spec, 5 steps. */
  private Path saved;

  @BeforeEach
  void setUp() throws IOException {
    kernels = Backend.cpu();
    try (GeneratedTransformer source = AllExtensionsModelImpl.create(kernels, 4, 8)) {
      source.initialize(5);
      source.seedDropout(3);
      for (int step = 1; step <= 5; step++) {
        source.trainStep(batch(step));
      }
      saved = dir.resolve("source.safetensors");
      source.save(saved);
    }
    model = AllExtensionsModelImpl.create(kernels, 4, 8);
    model.initialize(99);
    model.seedDropout(12345);
    for (int step = 1; step <= 3; step++) {
      model.trainStep(batch(100 + step));
    }
  }

  @AfterEach
  void tearDown() {
    model.close();
    kernels.close();
  }

  static Stream<Arguments> wrongInOnePlace() {
    return Stream.of(
        Arguments.of("optimizer state of dtype I32", LAST_STATE + " has dtype I32",
            (Consumer<SafeTensorsFile>) f -> f.entry(LAST_STATE).put("dtype", "I32")),
        Arguments.of("dropout seed not a number", DROPOUT_SEED + " = \"x17\" is not a whole number",
            (Consumer<SafeTensorsFile>) f -> f.metadata().put(DROPOUT_SEED, "x17")),
        Arguments.of("dropout calls not a number", DROPOUT_CALLS + " = \"5.5\"",
            (Consumer<SafeTensorsFile>) f -> f.metadata().put(DROPOUT_CALLS, "5.5")),
        Arguments.of("negative dropout calls", DROPOUT_CALLS + " = \"-1\" is not a whole number ≥ 0",
            (Consumer<SafeTensorsFile>) f -> f.metadata().put(DROPOUT_CALLS, "-1")),
        Arguments.of("dropout seed without calls", "has no " + DROPOUT_CALLS,
            (Consumer<SafeTensorsFile>) f -> f.metadata().remove(DROPOUT_CALLS)),
        Arguments.of("negative steps", STEPS + " = \"-3\" is not a whole number ≥ 0",
            (Consumer<SafeTensorsFile>) f -> f.metadata().put(STEPS, "-3")),
        Arguments.of("no steps", "has no " + STEPS,
            (Consumer<SafeTensorsFile>) f -> f.metadata().remove(STEPS)),
        Arguments.of("NaN learning rate", LEARNING_RATE + " = \"NaN\" is not a finite number",
            (Consumer<SafeTensorsFile>) f -> f.metadata().put(LEARNING_RATE, "NaN")),
        Arguments.of("infinite learning rate", LEARNING_RATE + " = \"-Infinity\"",
            (Consumer<SafeTensorsFile>) f -> f.metadata().put(LEARNING_RATE, "-Infinity")),
        Arguments.of("NaN weight", "\"" + WEIGHT + "\" (NaN at element 5)",
            (Consumer<SafeTensorsFile>) f -> f.setFloat(WEIGHT, 5, Float.NaN)),
        Arguments.of("infinite optimizer state", "\"" + LAST_STATE + "\" (-Infinity at element 1)",
            (Consumer<SafeTensorsFile>) f -> f.setFloat(LAST_STATE, 1, Float.NEGATIVE_INFINITY)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wrongInOnePlace")
  void aFailedLoadChangesNothing(String what, String message, Consumer<SafeTensorsFile> corruption)
      throws IOException {
    SafeTensorsFile file = SafeTensorsFile.read(saved);
    corruption.accept(file);
    Path bad = file.write(dir.resolve("bad.safetensors"));
    byte[] before = fingerprint(model, dir.resolve("before.safetensors"));

    SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> model.load(bad));
    assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(message), "'" + e.getMessage() + "' should say '" + message + "'");
    assertArrayEquals(before, fingerprint(model, dir.resolve("after.safetensors")), what);
  }

  @Test
  void nonFiniteWeightsLoadWhenAllowed() throws IOException {
    SafeTensorsFile file = SafeTensorsFile.read(saved);
    file.setFloat(WEIGHT, 5, Float.NaN);
    file.setFloat(LAST_STATE, 0, Float.POSITIVE_INFINITY);
    Path nan = file.write(dir.resolve("nan.safetensors"));

    SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> model.load(nan));
    assertTrue(e.getMessage().contains("NaN or infinity in 2 tensor(s): \"" + WEIGHT + "\" (NaN at element 5), \""
        + LAST_STATE + "\" (Infinity at element 0)"), e.getMessage());
    model.load(nan, NonFinite.ALLOW);
    assertHoldsFile(model, nan, dir.resolve("check.safetensors"));
    assertTrue(Float.isNaN(model.parameter(WEIGHT.substring("bert.".length())).data()[5]));
  }

  @Test
  void saveRefusesNonFiniteWeightsUnlessAllowed() throws IOException {
    String name = "encoder.layer.0.output.dense.bias";
    float[] values = model.parameter(name).data();
    values[2] = Float.POSITIVE_INFINITY;
    model.setParameter(name, new FloatTensor(new int[] {values.length}, values));
    Path file = dir.resolve("inf.safetensors");

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.save(file));
    assertTrue(e.getMessage().contains(file + " not saved: NaN or infinity in 1 tensor(s): \"bert." + name
        + "\" (Infinity at element 2)"), e.getMessage());
    assertFalse(Files.exists(file));
    model.save(file, NonFinite.ALLOW);
    assertHoldsFile(model, file, dir.resolve("check.safetensors"));
  }

  @Test
  void applyEmaRefusesANonFiniteAverageAndChangesNothing() throws IOException {
    SafeTensorsFile file = SafeTensorsFile.read(saved);
    file.setFloat("optimizer.ema.classifier.weight", 3, Float.NaN);
    model.load(file.write(dir.resolve("nan-ema.safetensors")), NonFinite.ALLOW);
    byte[] before = fingerprint(model, dir.resolve("before.safetensors"));

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.applyEma());
    assertTrue(e.getMessage().contains("the moving average of classifier.weight is NaN at element 3"),
        e.getMessage());
    assertFalse(model.emaApplied());
    assertArrayEquals(before, fingerprint(model, dir.resolve("after.safetensors")));
  }

  @Test
  void keepTokensBeyondTheFilesVocabularyChangeNothing() throws IOException {
    byte[] before = fingerprint(model, dir.resolve("before.safetensors"));
    KeepTokens keep = new KeepTokens(IntStream.range(0, 30).map(i -> i == 29 ? 40 : i).toArray());

    SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class,
        () -> model.load(saved, keep));
    assertTrue(e.getMessage().contains("keep token 29 is old id 40, but tensor "
        + "bert.embeddings.word_embeddings.weight has only 30 rows"), e.getMessage());
    assertArrayEquals(before, fingerprint(model, dir.resolve("after.safetensors")));
  }

  @Test
  void aClosedModelRefusesToLoadOrSave() {
    model.close();
    assertTrue(assertThrows(IllegalStateException.class, () -> model.load(saved)).getMessage()
        .startsWith("load: the model"));
    assertTrue(assertThrows(IllegalStateException.class, () -> model.save(dir.resolve("closed.safetensors")))
        .getMessage().startsWith("save: the model"));
  }

  @Test
  void nullArgumentsAreNamed() {
    assertEquals("the weights file to load must not be null",
        assertThrows(IllegalArgumentException.class, () -> model.load(null)).getMessage());
    assertEquals("the weights file to save to must not be null",
        assertThrows(IllegalArgumentException.class, () -> model.save(null)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> model.load(saved, (NonFinite) null));
    assertThrows(IllegalArgumentException.class, () -> model.save(saved, null));
    assertThrows(IllegalArgumentException.class, () -> model.load(saved, (KeepTokens) null));
  }
}
