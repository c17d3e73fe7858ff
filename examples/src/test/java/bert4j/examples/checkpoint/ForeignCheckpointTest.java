package bert4j.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.LoadReport;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.io.tf.TfCheckpointReader;
import bert4j.runtime.io.torch.TorchCheckpointReader;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written by the real tools load into their specs: Google-named TensorFlow checkpoints
 * of a BERT and an ALBERT (written by TensorFlow 2.18 through TensorFlow Java, tools/tf-fixtures) and
 * a Hugging Face-named {@code pytorch_model.bin} (written by torch.save, make_fixtures.py). Every
 * parameter is bit-equal to the file's tensor (TensorFlow's kernels transposed), and the same weights
 * saved as safetensors and loaded into a second model give bit-identical outputs.
 */
class ForeignCheckpointTest {
  private static final Path FIXTURES = Path.of("../runtime/src/test/resources/bert4j/runtime/io");

  @TempDir
  Path dir;

  /** The generated {@code create(Kernels, maxBatch, maxLength)}. */
  private interface Factory extends BiFunction<Kernels, Integer, GeneratedTransformer> {}

  @Test
  void googleBertFromTensorFlow() throws IOException {
    Path checkpoint = FIXTURES.resolve("tf/bert/bert_model.ckpt");
    try (TfCheckpointReader tf = TfCheckpointReader.open(checkpoint)) {
      LoadReport report = loadsAndMatches((k, b) -> TinyTfBertImpl.create(k, b, 8), checkpoint,
          name -> tf.read(googleBert(name)), name -> name.endsWith(".weight") && isDense(name));
      assertEquals(Set.of("cls.seq_relationship.weight", "cls.seq_relationship.bias"),
          Set.copyOf(report.unused()));
    }
  }

  @Test
  void googleAlbertFromTensorFlow() throws IOException {
    Path checkpoint = FIXTURES.resolve("tf/albert/model.ckpt");
    try (Kernels kernels = Backend.cpu();
        TinyTfAlbertImpl model = TinyTfAlbertImpl.create(kernels, 2, 8)) {
      LoadReport report = model.load(checkpoint);
      assertTrue(report.initialised().isEmpty(), report.summary());
      assertEquals(model.parameters().size(), report.loaded().size());
      Path written = dir.resolve("albert.ckpt");
      model.save(written);
      try (TfCheckpointReader tf = TfCheckpointReader.open(checkpoint);
          TfCheckpointReader ours = TfCheckpointReader.open(written)) {
        for (String name : ours.names()) {
          if (!name.equals("global_step")) {
            assertArrayEquals(tf.read(name).data(), ours.read(name).data(), name);
          }
        }
        assertEquals(tf.names().size() - 2, ours.names().size(), "ALBERT's Google names, back");
      }
    }
    try (TfCheckpointReader tf = TfCheckpointReader.open(checkpoint)) {
      FloatTensor ffn = tf.read("bert/encoder/transformer/group_0/inner_group_0/ffn_1/intermediate/dense/kernel");
      loadsAndMatches((k, b) -> TinyTfAlbertImpl.create(k, b, 8), checkpoint,
          name -> name.equals("encoder.albert_layer_groups.0.albert_layers.0.ffn.weight") ? ffn : null,
          name -> name.endsWith("ffn.weight"));
    }
  }

  /** ALBERT_UNSHARED: the checkpoint's one layer in every layer, the same outputs as ALBERT's. */
  @Test
  void albertsOneLayerLoadsIntoEveryLayerOfTheUnsharedModel() throws IOException {
    Path checkpoint = FIXTURES.resolve("tf/albert/model.ckpt");
    Batch batch = Batch.of(new int[][] {{2, 5, 7, 1}}, new int[][] {{0, 0, 1, 1}});
    try (Kernels kernels = Backend.cpu();
        TinyTfAlbertImpl shared = TinyTfAlbertImpl.create(kernels, 1, 4);
        TinyTfAlbertUnsharedImpl unshared = TinyTfAlbertUnsharedImpl.create(kernels, 1, 4)) {
      shared.load(checkpoint);
      LoadReport report = unshared.load(checkpoint);
      assertTrue(report.initialised().isEmpty(), report.summary());
      assertArrayEquals(unshared.parameter("encoder.layer.0.ffn.weight").data(),
          unshared.parameter("encoder.layer.1.ffn.weight").data());
      Map<String, FloatTensor> a = shared.forward(batch).asMap();
      Map<String, FloatTensor> b = unshared.forward(batch).asMap();
      for (String output : a.keySet()) {
        assertArrayEquals(a.get(output).data(), b.get(output).data(), output);
      }
    }
  }

  /**
   * A {@code .ckpt} save writes Google's names and layout: the checkpoint bert4j writes from the loaded
   * fixture has TensorFlow's tensor names, shapes and values (the fixture's own, bit for bit), and it
   * loads back into the spec.
   */
  @Test
  void aTensorFlowSaveWritesGooglesNamesBack() throws IOException {
    Path original = FIXTURES.resolve("tf/bert/bert_model.ckpt");
    Path written = dir.resolve("bert4j.ckpt");
    try (Kernels kernels = Backend.cpu();
        TinyTfBertImpl model = TinyTfBertImpl.create(kernels, 1, 4);
        TinyTfBertImpl back = TinyTfBertImpl.create(kernels, 1, 4)) {
      model.load(original);
      model.save(written);
      try (TfCheckpointReader tf = TfCheckpointReader.open(original);
          TfCheckpointReader ours = TfCheckpointReader.open(written)) {
        for (String name : ours.names()) {
          if (!name.equals("global_step")) {
            assertArrayEquals(tf.read(name).data(), ours.read(name).data(), name);
          }
        }
        assertEquals(tf.names().size() - 2, ours.names().size(),
            "every tensor but the NSP head, which the spec lacks");
      }
      assertTrue(back.load(written).initialised().isEmpty());
      for (ParameterInfo p : model.parameters()) {
        assertArrayEquals(model.parameter(p.name()).data(), back.parameter(p.name()).data(), p.name());
      }
    }
  }

  @Test
  void huggingFaceBertFromPyTorch() throws IOException {
    Path checkpoint = FIXTURES.resolve("torch/bert.bin");
    try (TorchCheckpointReader torch = TorchCheckpointReader.open(checkpoint)) {
      LoadReport report = loadsAndMatches((k, b) -> TinyTorchBertImpl.create(k, b, 6), checkpoint,
          name -> torch.read(name.startsWith("cls.") ? name : "bert." + name), name -> false);
      assertEquals(Set.of("cls.predictions.decoder.weight", "cls.seq_relationship.weight",
          "cls.seq_relationship.bias"), Set.copyOf(report.unused()));
    }
  }

  /** What a file holds for parameter {@code name}, or null where the test does not say. */
  private interface Expected {
    FloatTensor of(String name) throws IOException;
  }

  private LoadReport loadsAndMatches(Factory factory, Path checkpoint, Expected expected,
      Predicate<String> transposed) throws IOException {
    Path saved = dir.resolve("converted.safetensors");
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer model = factory.apply(kernels, 2);
        GeneratedTransformer copy = factory.apply(kernels, 2)) {
      LoadReport report = model.load(checkpoint);
      assertTrue(report.initialised().isEmpty(), report.summary());
      assertEquals(model.parameters().size(), report.loaded().size(), report.summary());
      for (ParameterInfo p : model.parameters()) {
        FloatTensor file = expected.of(p.name());
        if (file != null) {
          float[] want = transposed.test(p.name()) ? file.transposed().data() : file.data();
          assertArrayEquals(want, model.parameter(p.name()).data(), p.name());
        }
      }
      model.save(saved);
      copy.load(saved);
      Batch batch = Batch.of(new int[][] {{2, 5, 7, 1, 3, 0}, {4, 4, 9, 0, 0, 0}},
          new int[][] {{0, 0, 0, 1, 1, 0}, {0, 1, 1, 0, 0, 0}});
      Map<String, FloatTensor> a = model.forward(batch).asMap();
      Map<String, FloatTensor> b = copy.forward(batch).asMap();
      for (String output : a.keySet()) {
        assertArrayEquals(a.get(output).data(), b.get(output).data(), output);
      }
      return report;
    }
  }

  /** Google's name of a BERT parameter: the inverse of the loader's mapping, written out here. */
  private static String googleBert(String name) {
    String n = name.startsWith("cls.") ? name : "bert." + name;
    n = n.replace("cls.predictions.bias", "cls.predictions.output_bias");
    n = n.replaceAll("layer\\.(\\d+)", "layer_$1");
    if (n.endsWith("_embeddings.weight")) {
      n = n.substring(0, n.length() - ".weight".length());
    } else if (n.contains("LayerNorm")) {
      n = n.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
    } else if (n.endsWith(".weight")) {
      n = n.substring(0, n.length() - "weight".length()) + "kernel";
    }
    return n.replace('.', '/');
  }

  private static boolean isDense(String name) {
    return !name.contains("LayerNorm") && !name.endsWith("_embeddings.weight");
  }
}
