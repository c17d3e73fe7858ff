package bert4j.runtime.io.tf;

import static bert4j.runtime.io.tf.TinyCheckpoints.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny BERT and ALBERT that TensorFlow 2.18 saved (tools/tf-fixtures): names, shapes, dtypes, values. */
class TfCheckpointReaderTest {
  @TempDir Path dir;

  @Test
  void readsTheBertThatTensorFlowSaved() throws IOException {
    assertHolds(fixture("bert/bert_model.ckpt"), TinyCheckpoints.bert());
  }

  @Test
  void readsTheAlbertThatTensorFlowSaved() throws IOException {
    assertHolds(fixture("albert/model.ckpt"), TinyCheckpoints.albert());
  }

  private static void assertHolds(Path prefix, List<TinyCheckpoints.Variable> variables) throws IOException {
    try (TfCheckpointReader reader = TfCheckpointReader.open(prefix)) {
      assertEquals(new TfBundleHeader(1, ByteOrder.LITTLE_ENDIAN, 1, 0), reader.header());
      List<String> expected = new ArrayList<>(variables.stream().map(TinyCheckpoints.Variable::name).toList());
      expected.add("global_step");
      expected.sort(null);
      assertEquals(expected, reader.names());
      for (TinyCheckpoints.Variable v : variables) {
        TfTensorInfo info = reader.info(v.name());
        assertEquals(TfDType.DT_FLOAT, info.dtype(), v.name());
        assertArrayEquals(v.shape(), info.shape(), v.name());
        FloatTensor tensor = reader.read(v.name(), Arrays.stream(v.shape()).mapToInt(d -> (int) d).toArray());
        float[] data = tensor.data();
        for (int i = 0; i < data.length; i++) {
          assertEquals(Float.floatToRawIntBits(TinyCheckpoints.value(v.name(), i)), Float.floatToRawIntBits(data[i]),
              v.name() + "[" + i + "]");
        }
      }
      assertEquals(TfDType.DT_INT64, reader.info("global_step").dtype());
      assertArrayEquals(new long[0], reader.info("global_step").shape());
      assertArrayEquals(new long[] {TinyCheckpoints.GLOBAL_STEP}, reader.readLongs("global_step"));
    }
  }

  @Test
  void opensByPrefixIndexDataFileOrDirectory() throws IOException {
    Path prefix = fixture("bert/bert_model.ckpt");
    for (Path given : List.of(prefix, fixture("bert/bert_model.ckpt.index"),
        fixture("bert/bert_model.ckpt.data-00000-of-00001"), fixture("bert"))) {
      try (TfCheckpointReader reader = TfCheckpointReader.open(given)) {
        assertEquals(prefix, reader.prefix(), given.toString());
      }
    }
  }

  @Test
  void aDirectoryWithACheckpointFileOpensTheCheckpointItNames() throws IOException {
    Path copy = TinyCheckpoints.copy("bert", dir);
    Path renamed = copy.resolve("b\u00e9rt \"x\".ckpt");
    for (String suffix : List.of(".index", ".data-00000-of-00001")) {
      Files.move(copy.resolve("bert_model.ckpt" + suffix), Path.of(renamed + suffix));
    }
    Files.copy(fixture("albert/model.ckpt.index"), copy.resolve("other.ckpt.index"));
    // as TensorFlow's text format writes it: non-ASCII bytes in octal, quotes escaped
    Files.writeString(copy.resolve("checkpoint"), "model_checkpoint_path: \"b\\303\\251rt \\\"x\\\".ckpt\"\n"
        + "all_model_checkpoint_paths: \"b\\303\\251rt \\\"x\\\".ckpt\"\n", StandardCharsets.UTF_8);
    try (TfCheckpointReader reader = TfCheckpointReader.open(copy)) {
      assertEquals(renamed, reader.prefix());
      assertTrue(reader.contains("bert/pooler/dense/kernel"));
    }
  }

  @Test
  void aCheckpointFileNamingTheDirectoryItWasSavedInStillFindsTheCheckpointBesideIt() throws IOException {
    Path copy = TinyCheckpoints.copy("bert", dir);
    Files.writeString(copy.resolve("checkpoint"), "model_checkpoint_path: \"/home/someone/run7/bert_model.ckpt\"\n");
    try (TfCheckpointReader reader = TfCheckpointReader.open(copy)) {
      assertEquals(copy.resolve("bert_model.ckpt"), reader.prefix());
    }
  }

  @Test
  void aDirectoryWithSeveralIndexesAndNoCheckpointFileIsAmbiguous() throws IOException {
    Path copy = TinyCheckpoints.copy("bert", dir);
    Files.copy(fixture("albert/model.ckpt.index"), copy.resolve("model.ckpt.index"));
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> TfCheckpointReader.open(copy));
    assertTrue(e.getMessage().contains("2 *.index files [bert_model.ckpt.index, model.ckpt.index]"), e.getMessage());
  }

  @Test
  void aMissingCheckpointSaysHowCheckpointsAreNamed() {
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> TfCheckpointReader.open(dir.resolve("bert_model.ckpt")));
    assertTrue(e.getMessage().contains("bert_model.ckpt.index") && e.getMessage().contains("named by its prefix"),
        e.getMessage());
  }

  @Test
  void unknownNamesAndWrongShapesAreNamed() throws IOException {
    try (TfCheckpointReader reader = TfCheckpointReader.open(fixture("bert/bert_model.ckpt"))) {
      assertFalse(reader.contains("bert/encoder/layer_2/output/dense/kernel"));
      TfCheckpointFormatException missing = assertThrows(TfCheckpointFormatException.class,
          () -> reader.read("bert/encoder/layer_2/output/dense/kernel"));
      assertTrue(missing.getMessage().contains("no tensor \"bert/encoder/layer_2/output/dense/kernel\" among 47"),
          missing.getMessage());
      TfCheckpointFormatException shape = assertThrows(TfCheckpointFormatException.class,
          () -> reader.read("bert/pooler/dense/kernel", 8, 4));
      assertTrue(shape.getMessage().endsWith("tensor \"bert/pooler/dense/kernel\" has shape [8, 8], expected [8, 4]"),
          shape.getMessage());
      TfCheckpointFormatException dtype = assertThrows(TfCheckpointFormatException.class,
          () -> reader.read("global_step"));
      assertTrue(dtype.getMessage().contains("has dtype DT_INT64, which is not read as float32")
          && dtype.getMessage().contains("read it with readLongs"), dtype.getMessage());
      assertThrows(TfCheckpointFormatException.class, () -> reader.readLongs("bert/pooler/dense/bias"));
    }
  }
}
