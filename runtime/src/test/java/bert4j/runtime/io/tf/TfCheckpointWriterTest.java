package bert4j.runtime.io.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the writer writes reads back bit for bit, and is what TensorFlow writes for the same tensors.
 * (tools/tf-fixtures has TensorFlow itself restore the writer's checkpoints.)
 */
class TfCheckpointWriterTest {
  @TempDir Path dir;

  @Test
  void theBertFixtureRewrittenIsByteIdenticalToWhatTensorFlowWrote() throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    Path fixture = TinyCheckpoints.fixture("bert/bert_model.ckpt");
    long step;
    try (TfCheckpointReader reader = TfCheckpointReader.open(fixture)) {
      List<String> names = new ArrayList<>(reader.names());
      Collections.reverse(names); // the writer sorts whatever the order given
      for (String name : names) {
        if (reader.info(name).dtype() == TfDType.DT_FLOAT) {
          tensors.put(name, reader.read(name));
        }
      }
      step = reader.readLongs("global_step")[0];
    }
    Path prefix = dir.resolve("bert_model.ckpt");
    TfCheckpointWriter.write(prefix, tensors, Map.of("global_step", step));
    for (String suffix : List.of(".index", ".data-00000-of-00001")) {
      assertArrayEquals(Files.readAllBytes(Path.of(fixture + suffix)), Files.readAllBytes(Path.of(prefix + suffix)),
          suffix);
    }
  }

  @Test
  void roundTripIsBitExact() throws IOException {
    float[] large = new float[300_000]; // more than one 1 MiB chunk
    for (int i = 0; i < large.length; i++) {
      large[i] = TinyCheckpoints.value("large", i);
    }
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    tensors.put("b/special", new FloatTensor(new int[] {2, 3}, new float[] {Float.intBitsToFloat(0x7fc01234), -0f,
        Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, 1f}));
    tensors.put("a/empty", new FloatTensor(new int[] {0, 5}, new float[0]));
    tensors.put("c/scalar", new FloatTensor(new int[0], new float[] {3.25f}));
    tensors.put("large", new FloatTensor(new int[] {600, 500}, large));
    Path prefix = dir.resolve("nested/dirs/model.ckpt");
    TfCheckpointWriter.write(prefix, tensors, Map.of("global_step", -5L));
    try (TfCheckpointReader reader = TfCheckpointReader.open(prefix)) {
      assertEquals(List.of("a/empty", "b/special", "c/scalar", "global_step", "large"), reader.names());
      for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
        FloatTensor read = reader.read(e.getKey());
        assertArrayEquals(e.getValue().shape(), read.shape(), e.getKey());
        assertArrayEquals(bits(e.getValue().data()), bits(read.data()), e.getKey());
      }
      assertArrayEquals(new long[] {-5L}, reader.readLongs("global_step"));
    }
  }

  @Test
  void namesAreOrderedByTheirUtf8Bytes() throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    for (String name : List.of("\u00e9", "b", "Z", "a", "\uff21", "a/b")) {
      tensors.put(name, new FloatTensor(new int[] {1}, new float[] {name.length()}));
    }
    Path prefix = dir.resolve("model.ckpt");
    TfCheckpointWriter.write(prefix, tensors);
    try (TfCheckpointReader reader = TfCheckpointReader.open(prefix)) {
      assertEquals(List.of("Z", "a", "a/b", "b", "\u00e9", "\uff21"), reader.names());
    }
  }

  @Test
  void anIndexOfSeveralBlocksReadsBack() throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    String tail = "/" + "w".repeat(200); // keys that differ early share little: ~200 bytes an entry
    for (int i = 0; i < 1_500; i++) {
      tensors.put(String.format("%04d", i) + tail, new FloatTensor(new int[] {1}, new float[] {i}));
    }
    Path prefix = dir.resolve("many.ckpt");
    TfCheckpointWriter.write(prefix, tensors);
    assertTrue(Files.size(Path.of(prefix + ".index")) > SsTableWriter.BLOCK_SIZE);
    try (TfCheckpointReader reader = TfCheckpointReader.open(prefix)) {
      assertEquals(1_500, reader.names().size());
      for (int i : new int[] {0, 700, 1_300, 1_499}) {
        assertArrayEquals(new float[] {i}, reader.read(String.format("%04d", i) + tail).data());
      }
    }
  }

  @Test
  void replacesAnExistingCheckpointAndLeavesNoTemporaryFiles() throws IOException {
    Path prefix = dir.resolve("model.ckpt");
    TfCheckpointWriter.write(prefix, Map.of("w", new FloatTensor(new int[] {1}, new float[] {1f})));
    TfCheckpointWriter.write(prefix, Map.of("v", new FloatTensor(new int[] {2}, new float[] {2f, 3f})));
    try (var files = Files.list(dir)) {
      assertEquals(List.of("model.ckpt.data-00000-of-00001", "model.ckpt.index"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    try (TfCheckpointReader reader = TfCheckpointReader.open(prefix)) {
      assertEquals(List.of("v"), reader.names());
    }
  }

  @Test
  void refusesNamesThatAreNotTensorKeysBeforeWritingAnything() throws IOException {
    FloatTensor one = new FloatTensor(new int[] {1}, new float[] {1f});
    Path prefix = dir.resolve("model.ckpt");
    assertThrows(IllegalArgumentException.class, () -> TfCheckpointWriter.write(prefix, Map.of("", one)));
    assertThrows(IllegalArgumentException.class, () -> TfCheckpointWriter.write(prefix, Map.of("\0slice", one)));
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> TfCheckpointWriter.write(prefix, Map.of("global_step", one), Map.of("global_step", 1L)));
    assertTrue(twice.getMessage().contains("\"global_step\" is given twice"), twice.getMessage());
    Map<String, FloatTensor> withNull = new LinkedHashMap<>();
    withNull.put("w", null);
    assertThrows(NullPointerException.class, () -> TfCheckpointWriter.write(prefix, withNull));
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count());
    }
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
