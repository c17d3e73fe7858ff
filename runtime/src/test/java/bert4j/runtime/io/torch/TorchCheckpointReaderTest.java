package bert4j.runtime.io.torch;

import static bert4j.runtime.io.torch.TorchFixtures.fixture;
import static bert4j.runtime.io.torch.TorchFixtures.value;
import static bert4j.runtime.io.torch.TorchFixtures.values;
import static bert4j.runtime.io.torch.TorchFixtures.zip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.io.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the checkpoints torch.save wrote (make_fixtures.py, torch 1.13.1). */
class TorchCheckpointReaderTest {
  /** bert.bin's tensors in state-dict order with their shapes; seed = position, but for the tied decoder. */
  private static Map<String, long[]> bertShapes() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("bert.embeddings.word_embeddings.weight", new long[] {10, 4});
    shapes.put("bert.embeddings.position_embeddings.weight", new long[] {6, 4});
    shapes.put("bert.embeddings.token_type_embeddings.weight", new long[] {2, 4});
    shapes.put("bert.embeddings.LayerNorm.weight", new long[] {4});
    shapes.put("bert.embeddings.LayerNorm.bias", new long[] {4});
    String layer = "bert.encoder.layer.0.";
    for (String part : List.of("attention.self.query", "attention.self.key", "attention.self.value",
        "attention.output.dense")) {
      shapes.put(layer + part + ".weight", new long[] {4, 4});
      shapes.put(layer + part + ".bias", new long[] {4});
    }
    shapes.put(layer + "attention.output.LayerNorm.weight", new long[] {4});
    shapes.put(layer + "attention.output.LayerNorm.bias", new long[] {4});
    shapes.put(layer + "intermediate.dense.weight", new long[] {8, 4});
    shapes.put(layer + "intermediate.dense.bias", new long[] {8});
    shapes.put(layer + "output.dense.weight", new long[] {4, 8});
    shapes.put(layer + "output.dense.bias", new long[] {4});
    shapes.put(layer + "output.LayerNorm.weight", new long[] {4});
    shapes.put(layer + "output.LayerNorm.bias", new long[] {4});
    shapes.put("bert.pooler.dense.weight", new long[] {4, 4});
    shapes.put("bert.pooler.dense.bias", new long[] {4});
    shapes.put("cls.predictions.bias", new long[] {10});
    shapes.put("cls.predictions.transform.dense.weight", new long[] {4, 4});
    shapes.put("cls.predictions.transform.dense.bias", new long[] {4});
    shapes.put("cls.predictions.transform.LayerNorm.weight", new long[] {4});
    shapes.put("cls.predictions.transform.LayerNorm.bias", new long[] {4});
    shapes.put("cls.predictions.decoder.weight", new long[] {10, 4});
    shapes.put("cls.seq_relationship.weight", new long[] {2, 4});
    shapes.put("cls.seq_relationship.bias", new long[] {2});
    return shapes;
  }

  @Test
  void readsTinyBertWithHuggingFaceNamesShapesAndValues() throws IOException {
    Map<String, long[]> shapes = bertShapes();
    try (TorchCheckpointReader reader = TorchCheckpointReader.open(fixture("bert.bin"))) {
      assertEquals(List.copyOf(shapes.keySet()), reader.names(), "state-dict order");
      List<String> names = new ArrayList<>(shapes.keySet());
      for (int position = 0; position < names.size(); position++) {
        String name = names.get(position);
        int seed = name.equals("cls.predictions.decoder.weight") ? 0 : position < 28 ? position : position - 1;
        TorchTensorInfo info = reader.info(name);
        assertEquals(DType.F32, info.dtype(), name);
        assertArrayEquals(shapes.get(name), info.shape(), name);
        assertTrue(info.contiguous(), name);
        FloatTensor tensor = reader.read(name);
        assertArrayEquals(values(seed, (int) info.elementCount()), tensor.data(), name);
        assertArrayEquals(Arrays.stream(shapes.get(name)).mapToInt(d -> (int) d).toArray(), tensor.shape(), name);
      }
      assertEquals(reader.info("bert.embeddings.word_embeddings.weight").storage(),
          reader.info("cls.predictions.decoder.weight").storage(), "tied weights share one storage");
      // seed 17, flat index 5: ((5 * 7 + 17 * 5) % 23 - 11) / 8 = -6 / 8
      assertEquals(-0.75f, reader.read("bert.encoder.layer.0.output.dense.weight").get(0, 5));
    }
  }

  @Test
  void readsEveryFloatDtypeExactly() throws IOException {
    try (TorchCheckpointReader reader = TorchCheckpointReader.open(fixture("dtypes.bin"))) {
      assertEquals(DType.F16, reader.info("half").dtype());
      assertEquals(new FloatTensor(new int[] {2, 3}, values(0, 6)), reader.read("half"));
      assertEquals(DType.BF16, reader.info("bfloat").dtype());
      assertEquals(new FloatTensor(new int[] {3, 2}, values(1, 6)), reader.read("bfloat"));
      assertEquals(DType.F64, reader.info("double").dtype());
      assertEquals(new FloatTensor(new int[] {2}, values(2, 2)), reader.read("double"));
      assertEquals(new FloatTensor(new int[0], new float[] {2.5f}), reader.read("scalar"));
      assertArrayEquals(new long[0], reader.info("scalar").shape());
    }
  }

  @Test
  void readsEveryIntegerDtypeAsLongs() throws IOException {
    try (TorchCheckpointReader reader = TorchCheckpointReader.open(fixture("dtypes.bin"))) {
      assertEquals(DType.I64, reader.info("embeddings.position_ids").dtype());
      assertArrayEquals(new long[] {1, 6}, reader.info("embeddings.position_ids").shape());
      assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, reader.readLongs("embeddings.position_ids"));
      assertArrayEquals(new long[] {12345678901L}, reader.readLongs("global_step"));
      assertEquals(DType.I32, reader.info("int32").dtype());
      assertArrayEquals(new long[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, reader.readLongs("int32"));
      assertEquals(DType.I16, reader.info("int16").dtype());
      assertArrayEquals(new long[] {-32768, 7, 32767}, reader.readLongs("int16"));
      assertEquals(DType.I8, reader.info("int8").dtype());
      assertArrayEquals(new long[] {-128, 0, 127}, reader.readLongs("int8"));
      assertEquals(DType.U8, reader.info("uint8").dtype());
      assertArrayEquals(new long[] {0, 128, 255}, reader.readLongs("uint8"));
      assertEquals(DType.BOOL, reader.info("bool").dtype());
      assertArrayEquals(new long[] {1, 0, 1}, reader.readLongs("bool"));
    }
  }

  @Test
  void readsEmptyTransposedParameterAndViewsOfOneStorage() throws IOException {
    try (TorchCheckpointReader reader = TorchCheckpointReader.open(fixture("dtypes.bin"))) {
      assertArrayEquals(new long[] {0, 4}, reader.info("empty").shape());
      assertEquals(new FloatTensor(new int[] {0, 4}, new float[0]), reader.read("empty"));

      TorchTensorInfo transposed = reader.info("transposed");
      assertArrayEquals(new long[] {3, 2}, transposed.shape());
      assertArrayEquals(new long[] {1, 3}, transposed.stride());
      assertFalse(transposed.contiguous());
      FloatTensor t = reader.read("transposed");
      for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 2; c++) {
          assertEquals(value(3, c * 3 + r), t.get(r, c), "transposed[" + r + "][" + c + "] = base[c][r]");
        }
      }

      assertEquals(new FloatTensor(new int[] {3}, values(4, 3)), reader.read("parameter"), "nn.Parameter");

      TorchTensorInfo first = reader.info("view.first");
      TorchTensorInfo rest = reader.info("view.rest");
      assertEquals(first.storage(), rest.storage());
      assertEquals(0, first.storageOffset());
      assertEquals(4, rest.storageOffset());
      assertEquals(new FloatTensor(new int[] {4}, values(5, 4)), reader.read("view.first"));
      assertEquals(new FloatTensor(new int[] {2, 4}, values(5, 4, 8)), reader.read("view.rest"));
    }
  }

  @Test
  void readsProtocolFourStackGlobalsMemoizeAndFrames() throws IOException {
    try (TorchCheckpointReader reader = TorchCheckpointReader.open(fixture("protocol4.bin"))) {
      assertEquals(List.of("a", "b"), reader.names());
      assertEquals(new FloatTensor(new int[] {2, 2}, values(0, 4)), reader.read("a"));
      assertEquals(new FloatTensor(new int[] {3}, values(1, 3)), reader.read("b"));
    }
  }

  @Test
  void storagesFollowTheByteorderEntry(@TempDir Path dir) throws IOException {
    ByteBuffer storage = ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN).putFloat(1.5f).putFloat(-2f)
        .putFloat(0.25f);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("archive/data.pkl",
        PickleBytes.stateDict("w", "FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1}));
    entries.put("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
    entries.put("archive/data/0", storage.array());
    try (TorchCheckpointReader reader = TorchCheckpointReader.open(zip(dir.resolve("big.bin"), entries))) {
      assertArrayEquals(new float[] {1.5f, -2f, 0.25f}, reader.read("w").data());
    }
    entries.put("archive/byteorder", "middle".getBytes(StandardCharsets.US_ASCII));
    Path middle = zip(dir.resolve("middle.bin"), entries);
    String message = assertThrows(CheckpointFormatException.class, () -> TorchCheckpointReader.open(middle))
        .getMessage();
    assertTrue(message.endsWith("middle.bin: archive/byteorder says \"middle\", not little or big"), message);
  }

  @Test
  void wrongReadForTheDtypeAndUnknownNamesAreClearErrors() throws IOException {
    try (TorchCheckpointReader reader = TorchCheckpointReader.open(fixture("dtypes.bin"))) {
      assertTrue(reader.contains("half"));
      assertFalse(reader.contains("nope"));
      String ints = assertThrows(CheckpointFormatException.class, () -> reader.read("int32")).getMessage();
      assertTrue(ints.contains("\"int32\" has dtype I32") && ints.contains("readLongs"), ints);
      String floats = assertThrows(CheckpointFormatException.class, () -> reader.readLongs("half")).getMessage();
      assertTrue(floats.contains("\"half\" has dtype F16"), floats);
      String unknown = assertThrows(CheckpointFormatException.class, () -> reader.read("nope")).getMessage();
      assertTrue(unknown.contains("dtypes.bin") && unknown.contains("no tensor \"nope\" among 16 (half, bfloat"),
          unknown);
    }
  }
}
