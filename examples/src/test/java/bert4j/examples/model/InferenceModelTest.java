package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.io.NonFinite;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Models from {@code createForInference} against models from {@code create} with the same weights:
 * for every reference spec the forward's outputs agree to float rounding (the same kernel calls on
 * other arena columns, except that a dense layer with an activation keeps no pre at inference and
 * the CPU backend then applies the activation inside oneDNN's product, whose GELU differs from the
 * Java epilogue's in the last bits) and the arena is no larger (smaller wherever a head has a loss);
 * the UniLM spec's incremental decoding and beam search give the same logits and tokens; the training
 * methods refuse naming the factory; weights load (a trained checkpoint's optimizer state skipped)
 * and save.
 */
class InferenceModelTest {
  private static final int MAX_BATCH = 4;
  private static final int MAX_LENGTH = 12;

  /** The generated class's {@code createForInference}, found by the spec's name. */
  static GeneratedTransformer forInference(GeneratedTransformer trained, Kernels kernels,
      int maxBatch, int maxLength) {
    try {
      return (GeneratedTransformer) Class.forName(trained.getClass().getName())
          .getMethod("createForInference", Kernels.class, int.class, int.class)
          .invoke(null, kernels, maxBatch, maxLength);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(trained.getClass() + " has no createForInference", e);
    }
  }

  /** Copies every parameter of {@code from} into {@code to}. */
  private static void copyWeights(GeneratedTransformer from, GeneratedTransformer to) {
    for (ParameterInfo p : from.parameters()) {
      to.setParameter(p.name(), from.parameter(p.name()));
    }
  }

  @ParameterizedTest
  @EnumSource(TestModels.class)
  void forwardMatchesTheTrainingModels(TestModels spec) {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer training = spec.factory.create(kernels, MAX_BATCH, MAX_LENGTH);
        GeneratedTransformer inference = forInference(training, kernels, MAX_BATCH, MAX_LENGTH)) {
      Harness.randomizeWeights(training, 5 + spec.ordinal());
      copyWeights(training, inference);
      assertTrue(inference.inferenceOnly());
      assertFalse(training.inferenceOnly());
      Batch batch = Harness.inputs(spec.config, MAX_LENGTH, new int[] {MAX_LENGTH, 7, 3},
          31 + spec.ordinal()).inferenceBatch();
      Outputs expected = training.forward(batch);
      Outputs actual = inference.forward(batch);
      assertEquals(expected.names(), actual.names());
      for (String name : expected.names()) {
        FloatTensor e = expected.get(name);
        FloatTensor a = actual.get(name);
        assertArrayEquals(e.shape(), a.shape(), name);
        float[] want = e.data();
        float[] got = a.data();
        double scale = 1;
        for (float v : want) {
          scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], got[i], 1e-5 * scale, spec + " " + name + " element " + i);
        }
      }
      long trainingBytes = 4 * spec.layout.arenaFloats(MAX_BATCH, MAX_LENGTH);
      assertEquals(trainingBytes, training.arenaBytes());
      assertEquals(4 * spec.layout.inferenceArenaFloats(MAX_BATCH, MAX_LENGTH),
          inference.arenaBytes());
      if (spec.layout.losses().isEmpty()) {
        assertTrue(inference.arenaBytes() <= trainingBytes, spec + " inference arena");
      } else {
        assertTrue(inference.arenaBytes() < trainingBytes, spec + " inference arena "
            + inference.arenaBytes() + " < " + trainingBytes);
      }
    }
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  @Test
  void unilmDecodingAndBeamSearchEqualTheTrainingModels() {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer training = TestModels.UNILM.factory.create(kernels, MAX_BATCH, 16);
        GeneratedTransformer inference = forInference(training, kernels, MAX_BATCH, 16)) {
      Harness.randomizeWeights(training, 77);
      copyWeights(training, inference);
      IncrementalLm a = (IncrementalLm) training;
      IncrementalLm b = (IncrementalLm) inference;
      int[][] prompts = {{2, 5, 9, 11, 3}, {2, 7, 3}};
      int[][] segments = {{0, 0, 0, 1, 1}, {0, 0, 0}};
      assertArrayEquals(bits(a.start(prompts, segments).data()),
          bits(b.start(prompts, segments).data()), "start");
      int[][] steps = {{4, 6}, {8, 10}, {12, 1}};
      for (int[] step : steps) {
        a.reorder(new int[] {1, 0});
        b.reorder(new int[] {1, 0});
        assertArrayEquals(bits(a.step(step).data()), bits(b.step(step).data()), "step");
      }
      DecodeLimits limits = DecodeLimits.of(3, 6);
      int[][] expected = new AutoRegressiveDecoder(a, limits)
          .beamSearch(prompts, segments, BeamSearch.of(2));
      int[][] actual = new AutoRegressiveDecoder(b, limits)
          .beamSearch(prompts, segments, BeamSearch.of(2));
      assertArrayEquals(expected, actual, "beam search");
    }
  }

  @Test
  void trainingMethodsRefuseNamingTheFactory() {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer training = TestModels.NONE.factory.create(kernels, 2, 8);
        GeneratedTransformer inference = forInference(training, kernels, 2, 8)) {
      Batch batch = Harness.inputs(TestModels.NONE.config, 8, new int[] {8, 5}, 1).batch();
      refuses("trainStep", () -> inference.trainStep(batch));
      refuses("computeGradients", () -> inference.computeGradients(batch));
      refuses("gradient", () -> inference.gradient("embeddings.word_embeddings.weight"));
      refuses("applyEma", inference::applyEma);
      refuses("optimizerState", () -> inference.optimizerState("optimizer.m.pooler.dense.bias"));
    }
  }

  private static void refuses(String call, Executable training) {
    IllegalStateException e = assertThrows(IllegalStateException.class, training, call);
    assertTrue(e.getMessage().startsWith(call + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("createForInference"), e.getMessage());
    assertTrue(e.getMessage().contains("create(kernels, maxBatch, maxLength) to train"),
        e.getMessage());
  }

  @Test
  void aCheckpointWithNanIsRejectedBeforeAnyParameterChanges(@TempDir Path dir) throws Exception {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer training = TestModels.NONE.factory.create(kernels, 2, 8);
        GeneratedTransformer inference = forInference(training, kernels, 2, 8)) {
      Harness.randomizeWeights(training, 3);
      String last = training.parameters().get(training.parameters().size() - 1).name();
      FloatTensor values = training.parameter(last);
      values.data()[1] = Float.NaN;
      training.setParameter(last, values);
      Path bad = dir.resolve("nan.safetensors");
      training.save(bad, NonFinite.ALLOW);
      String first = training.parameters().get(0).name();
      FloatTensor before = inference.parameter(first);
      Exception e = assertThrows(IOException.class, () -> inference.load(bad));
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
      assertEquals(before, inference.parameter(first), "the first tensor was not written");
    }
  }

  @Test
  void loadsATrainedCheckpointsWeightsAndSavesWeightsAlone(@TempDir Path dir) throws Exception {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer training = TestModels.NONE.factory.create(kernels, 2, 8);
        GeneratedTransformer inference = forInference(training, kernels, 2, 8)) {
      training.trainStep(Harness.inputs(TestModels.NONE.config, 8, new int[] {8, 5}, 2).batch());
      Path trained = dir.resolve("trained.safetensors");
      training.save(trained);
      inference.load(trained);
      for (ParameterInfo p : training.parameters()) {
        assertEquals(training.parameter(p.name()), inference.parameter(p.name()), p.name());
      }
      assertEquals(0, inference.trainingSteps(), "no optimizer state or counters resumed");
      Path saved = dir.resolve("inference.safetensors");
      inference.save(saved);
      String header = Files.readString(saved, StandardCharsets.ISO_8859_1);
      assertTrue(header.contains("pooler.dense.bias") || header.contains("bert.pooler.dense.bias"),
          "the weights are saved");
      assertFalse(header.contains("optimizer."), "no optimizer state is saved");
    }
  }
}
