package bert4j.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.LoadOptions;
import bert4j.runtime.LoadReport;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face's {@code from_pretrained} behaviour: a pretraining checkpoint (encoder, pooler, MLM
 * head) loads into a classifier spec; the encoder and pooler take the file's values, the classifier
 * keeps its initialisation, the MLM head's tensors go unused, and the report names both; a strict
 * load refuses, naming them.
 */
class PartialLoadTest {
  @TempDir
  Path dir;

  @Test
  void aPretrainedEncoderLoadsIntoANewClassifier() throws IOException {
    Path file = dir.resolve("pretrained.safetensors");
    try (Kernels kernels = Backend.cpu();
        TinyPretrainingImpl pretrained = TinyPretrainingImpl.create(kernels, 2, 8);
        TinyClassifierImpl classifier = TinyClassifierImpl.create(kernels, 2, 8)) {
      pretrained.initialize(1);
      pretrained.save(file);
      classifier.initialize(2);
      float[] classifierBefore = classifier.parameter("classifier.weight").data();

      LoadReport report = classifier.load(file);

      assertEquals(List.of("classifier.weight", "classifier.bias"), report.initialised());
      assertEquals(Set.of("cls.predictions.transform.dense.weight",
          "cls.predictions.transform.dense.bias", "cls.predictions.transform.LayerNorm.weight",
          "cls.predictions.transform.LayerNorm.bias", "cls.predictions.bias"),
          Set.copyOf(report.unused()));
      assertFalse(report.complete());
      assertTrue(report.summary().contains("initialised 2 the checkpoint lacks: classifier.weight"),
          report.summary());
      assertArrayEquals(classifierBefore, classifier.parameter("classifier.weight").data(),
          "the classifier keeps its initialisation");
      for (ParameterInfo p : classifier.parameters()) {
        if (!p.name().startsWith("classifier.")) {
          assertArrayEquals(pretrained.parameter(p.name()).data(), classifier.parameter(p.name()).data(),
              p.name());
          assertArrayEquals(pretrained.parameter(p.name()).data(),
              classifier.parameter("bert." + p.name()).data(), "the bert. prefix names " + p.name());
        }
      }
      assertEquals(report.loaded().size() + 2, classifier.parameters().size());
    }
  }

  @Test
  void aStrictLoadNamesWhatDiffersAndChangesNothing() throws IOException {
    Path file = dir.resolve("pretrained.safetensors");
    try (Kernels kernels = Backend.cpu();
        TinyPretrainingImpl pretrained = TinyPretrainingImpl.create(kernels, 2, 8);
        TinyClassifierImpl classifier = TinyClassifierImpl.create(kernels, 2, 8);
        TinyEncoderImpl encoder = TinyEncoderImpl.create(kernels, 2, 8)) {
      pretrained.initialize(3);
      pretrained.save(file);
      float[] before = classifier.parameter("bert.embeddings.word_embeddings.weight").data();
      IOException missing = assertThrows(IOException.class,
          () -> classifier.load(file, LoadOptions.defaults().strictly()));
      assertTrue(missing.getMessage().contains("classifier.weight [3, 16] (a head)"),
          missing.getMessage());
      assertTrue(missing.getMessage().contains("a strict load initialises no head"),
          missing.getMessage());
      assertArrayEquals(before, classifier.parameter("embeddings.word_embeddings.weight").data(),
          "a failed load changes nothing");

      IOException unused = assertThrows(IOException.class,
          () -> encoder.load(file, LoadOptions.defaults().strictly()));
      assertTrue(unused.getMessage().contains("5 tensor(s) bert4j.examples.checkpoint.TinyEncoder "
          + "does not use (a strict load uses every tensor): "), unused.getMessage());
      assertTrue(unused.getMessage().contains("cls.predictions.bias"), unused.getMessage());

      assertTrue(pretrained.load(file, LoadOptions.defaults().strictly()).complete(),
          "a model's own file loads strictly");
    }
  }
}
