package bert4j.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link SafeTensorsWriter} writes, {@link SafeTensorsReader} reads back bit for bit. */
class SafeTensorsRoundTripTest {
  @TempDir Path dir;

  @Test
  void roundTripKeepsValuesShapesOrderAndMetadata() throws IOException {
    Random random = new Random(7);
    float[] big = new float[300_000]; // 1.2 MB: more than one chunk
    for (int i = 0; i < big.length; i++) {
      big[i] = (float) random.nextGaussian();
    }
    big[1] = Float.NaN;
    big[2] = -0f;
    big[3] = Float.NEGATIVE_INFINITY;
    big[4] = Float.MIN_VALUE;
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    tensors.put("encoder.layer.0.output.dense.weight", new FloatTensor(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    tensors.put("big", new FloatTensor(new int[] {600, 500}, big));
    tensors.put("scalar", new FloatTensor(new int[0], new float[] {-1.25f}));
    tensors.put("empty", new FloatTensor(new int[] {0}, new float[0]));
    tensors.put("empty.3d", new FloatTensor(new int[] {2, 0, 3}, new float[0]));
    tensors.put("a.bias \u4e2d\u6587", new FloatTensor(new int[] {1}, new float[] {9}));
    Map<String, String> metadata = Map.of("format", "pt", "source", "bert4j \u2713");
    Path path = dir.resolve("model.safetensors");

    SafeTensorsWriter.write(path, tensors, metadata);

    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      assertEquals(List.copyOf(tensors.keySet()), reader.names(), "the map's order, not sorted");
      assertEquals(metadata, reader.metadata());
      long offset = 0;
      for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
        FloatTensor back = reader.read(e.getKey());
        assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
        assertArrayEquals(bits(e.getValue().data()), bits(back.data()), e.getKey());
        TensorInfo info = reader.info(e.getKey());
        assertEquals(DType.F32, info.dtype());
        assertEquals(offset, info.begin(), "tensors follow one another: " + e.getKey());
        offset = info.end();
      }
      assertEquals(Files.size(path), 8 + headerLength(path) + offset, "no bytes after the last tensor");
    }
  }

  @Test
  void headerIsPaddedWithSpacesToAMultipleOf8() throws IOException {
    for (int length = 1; length <= 8; length++) {
      Path path = dir.resolve("pad" + length + ".safetensors");
      SafeTensorsWriter.write(path, Map.of("x".repeat(length), new FloatTensor(new int[] {1}, new float[] {2})),
          Map.of());
      long n = headerLength(path);
      assertEquals(0, n % 8, "header length " + n);
      String header = new String(Files.readAllBytes(path), 8, (int) n, StandardCharsets.UTF_8);
      assertTrue(header.stripTrailing().endsWith("}"), header);
      assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '), header);
      assertFalse(header.contains("__metadata__"), "no metadata key when there is none: " + header);
    }
  }

  @Test
  void writesTheLayoutOfTheFormatByteForByte() throws IOException {
    Path path = dir.resolve("exact.safetensors");
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    tensors.put("w", new FloatTensor(new int[] {2}, new float[] {1f, -2f}));
    tensors.put("s", new FloatTensor(new int[0], new float[] {0.5f}));
    SafeTensorsWriter.write(path, tensors, Map.of("k", "v"));

    String json = "{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}";
    String padded = json + " ".repeat((8 - json.length() % 8) % 8);
    byte[] expected = SafeTensorsBytes.concat(SafeTensorsBytes.le64(padded.length()),
        padded.getBytes(StandardCharsets.UTF_8), SafeTensorsBytes.f32(1f, -2f, 0.5f));
    assertArrayEquals(expected, Files.readAllBytes(path));
  }

  private static long headerLength(Path path) throws IOException {
    byte[] bytes = Files.readAllBytes(path);
    return ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
