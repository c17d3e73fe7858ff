package bert4j.runtime.io.tf;

import static bert4j.runtime.io.tf.TinyCheckpoints.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edge-case checkpoint TensorFlow wrote as two bundles merged into one with two data shards: half,
 * bfloat16, int32, int64, double, empty, string and partitioned tensors, and a non-ASCII name.
 */
class TfEdgeCasesTest {
  private static TfCheckpointReader reader;

  @BeforeAll
  static void open() throws IOException {
    reader = TfCheckpointReader.open(fixture("edge/edge.ckpt"));
  }

  @AfterAll
  static void close() throws IOException {
    reader.close();
  }

  @Test
  void listsEveryTensorButTheSlicesOfThePartitionedOne() {
    assertEquals(2, reader.header().numShards());
    assertEquals(List.of("edge/bfloat16", "edge/double", "edge/empty", "edge/float", "edge/half", "edge/int32",
        "edge/partitioned", "edge/string", "edge/strings", "edge/\u540d\u5b57", "global_step"), reader.names());
  }

  @Test
  void halfAndBfloat16AreConvertedExactly() throws IOException {
    assertEquals(TfDType.DT_HALF, reader.info("edge/half").dtype());
    assertTensor(new int[] {2, 4}, new float[] {0f, -0f, 1f, -2.5f, 65504f, 0x1p-24f, 0x1p-14f,
        Float.POSITIVE_INFINITY}, reader.read("edge/half"));
    assertEquals(TfDType.DT_BFLOAT16, reader.info("edge/bfloat16").dtype());
    assertTensor(new int[] {7}, new float[] {0f, 1f, -2.5f, 0x1p100f, 0x1p-130f, Float.NEGATIVE_INFINITY, 3.140625f},
        reader.read("edge/bfloat16"));
  }

  @Test
  void doublesAreRoundedAndFloatsKeptBitForBit() throws IOException {
    assertTensor(new int[] {3}, new float[] {0.1f, 1f / 3, -2.5f}, reader.read("edge/double"));
    assertTensor(new int[] {2, 2}, new float[] {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE},
        reader.read("edge/float"));
    assertTensor(new int[] {1}, new float[] {42f}, reader.read("edge/\u540d\u5b57"));
  }

  @Test
  void integersFromEitherShard() throws IOException {
    assertEquals(0, reader.info("global_step").shardId());
    assertArrayEquals(new long[] {TinyCheckpoints.GLOBAL_STEP}, reader.readLongs("global_step"));
    assertArrayEquals(new long[] {-7, 0, Integer.MAX_VALUE}, reader.readLongs("edge/int32"));
    assertEquals(1, reader.info("edge/double").shardId());
  }

  @Test
  void anEmptyTensorReadsAsEmpty() throws IOException {
    TfTensorInfo info = reader.info("edge/empty");
    assertEquals(0, info.size());
    assertEquals(0, info.elementCount());
    assertTensor(new int[] {0, 3}, new float[0], reader.read("edge/empty"));
  }

  @Test
  void stringTensorsAreListedButNotRead() throws IOException {
    assertEquals(TfDType.DT_STRING, reader.info("edge/string").dtype());
    assertArrayEquals(new long[] {2}, reader.info("edge/strings").shape());
    for (String name : List.of("edge/string", "edge/strings")) {
      TfCheckpointFormatException e = assertThrows(TfCheckpointFormatException.class, () -> reader.read(name));
      assertTrue(e.getMessage().contains("tensor \"" + name + "\" has dtype DT_STRING, which holds no weights"),
          e.getMessage());
    }
  }

  @Test
  void aPartitionedVariableIsListedWithItsFullShapeButNotAssembled() throws IOException {
    TfTensorInfo info = reader.info("edge/partitioned");
    assertTrue(info.partitioned());
    assertEquals(2, info.slices());
    assertArrayEquals(new long[] {4, 3}, info.shape());
    TfCheckpointFormatException e = assertThrows(TfCheckpointFormatException.class,
        () -> reader.read("edge/partitioned"));
    assertTrue(e.getMessage().contains("is a partitioned variable saved in 2 slices"), e.getMessage());
  }

  private static void assertTensor(int[] shape, float[] values, FloatTensor actual) {
    assertArrayEquals(shape, actual.shape());
    assertEquals(values.length, actual.data().length);
    for (int i = 0; i < values.length; i++) {
      assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(actual.data()[i]), "element " + i);
    }
  }
}
