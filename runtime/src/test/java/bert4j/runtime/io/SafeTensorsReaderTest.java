package bert4j.runtime.io;

import static bert4j.runtime.io.SafeTensorsBytes.concat;
import static bert4j.runtime.io.SafeTensorsBytes.f32;
import static bert4j.runtime.io.SafeTensorsBytes.f64;
import static bert4j.runtime.io.SafeTensorsBytes.file;
import static bert4j.runtime.io.SafeTensorsBytes.le64;
import static bert4j.runtime.io.SafeTensorsBytes.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading files whose bytes the tests write by hand. */
class SafeTensorsReaderTest {
  @TempDir Path dir;

  @Test
  void readsHandWrittenFileOfEveryFloatDtype() throws IOException {
    // Data section: f32 [2,2] at 0..16, f16 [5] at 16..26, bf16 [3] at 26..32, f64 [2] at 32..48.
    String header = "{\"f32\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
        + "\"__metadata__\":{\"format\":\"pt\",\"note\":\"h\u00e9llo\"},"
        + "\"f16\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[16,26]},"
        + "\"bf16\":{\"shape\":[3],\"dtype\":\"BF16\",\"data_offsets\":[26,32]},"
        + "\"f64\":{\"dtype\":\"F64\",\"shape\":[1,2],\"data_offsets\":[32,48]}}";
    byte[] data = concat(
        f32(1.5f, -2f, 0f, 3.25f),
        u16(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555),   // 1, -2, 65504, 2^-24, 0.333251953125
        u16(0x3F80, 0xC049, 0x0000),                   // 1, -3.140625, 0
        f64(0.1, -1e-3));
    Path path = SafeTensorsBytes.write(dir.resolve("hand.safetensors"), file(header, data));

    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      assertEquals(List.of("f32", "f16", "bf16", "f64"), reader.names(), "header order");
      assertEquals(Map.of("format", "pt", "note", "h\u00e9llo"), reader.metadata());
      assertEquals(new FloatTensor(new int[] {2, 2}, new float[] {1.5f, -2f, 0f, 3.25f}), reader.read("f32"));
      assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, 0.333251953125f}, reader.read("f16").data());
      assertArrayEquals(new float[] {1f, -3.140625f, 0f}, reader.read("bf16").data());
      FloatTensor f64 = reader.read("f64");
      assertArrayEquals(new int[] {1, 2}, f64.shape());
      assertArrayEquals(new float[] {0.1f, -0.001f}, f64.data());
      assertEquals(new TensorInfo("f16", DType.F16, new long[] {5}, 16, 26), reader.info("f16"));
    }
  }

  @Test
  void convertsEveryHalfPrecisionBitPatternExactly() throws IOException {
    int[] patterns = IntStream.range(0, 1 << 16).toArray();
    String header = "{\"all\":{\"dtype\":\"F16\",\"shape\":[65536],\"data_offsets\":[0,131072]}}";
    Path path = SafeTensorsBytes.write(dir.resolve("f16.safetensors"), file(header, u16(patterns)));

    float[] values;
    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      values = reader.read("all").data();
    }
    for (int bits : patterns) {
      double sign = (bits & 0x8000) != 0 ? -1 : 1;
      int exponent = (bits >> 10) & 0x1f;
      int mantissa = bits & 0x3ff;
      double expected = exponent == 0x1f ? (mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN)
          : exponent == 0 ? sign * Math.scalb(mantissa / 1024.0, -14)
          : sign * Math.scalb(1 + mantissa / 1024.0, exponent - 15);
      float actual = values[bits];
      if (Double.isNaN(expected)) {
        assertTrue(Float.isNaN(actual), "NaN pattern " + Integer.toHexString(bits));
      } else {
        assertEquals(Float.floatToIntBits((float) expected), Float.floatToIntBits(actual),
            "pattern " + Integer.toHexString(bits));
      }
    }
  }

  @Test
  void listsButRefusesToReadNonFloatDtypes() throws IOException {
    String header = "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
        + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[16,19]}}";
    Path path = SafeTensorsBytes.write(dir.resolve("ints.safetensors"),
        file(header, concat(le64(7), le64(9), new byte[] {1, 0, 1})));

    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      assertEquals(List.of("ids", "mask"), reader.names());
      assertTrue(reader.contains("ids"));
      assertEquals(DType.I64, reader.info("ids").dtype());
      SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> reader.read("ids"));
      assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
      assertTrue(e.getMessage().contains("tensor \"ids\" has dtype I64"), e.getMessage());
      e = assertThrows(SafeTensorsFormatException.class, () -> reader.read("mask"));
      assertTrue(e.getMessage().contains("\"mask\" has dtype BOOL"), e.getMessage());
    }
  }

  @Test
  void checksTheExpectedShapeBeforeReading() throws IOException {
    String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[24,28]}}";
    Path path = SafeTensorsBytes.write(dir.resolve("shape.safetensors"),
        file(header, f32(1, 2, 3, 4, 5, 6, 42)));

    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      assertEquals(4f, reader.read("w", 2, 3).get(1, 0));
      assertEquals(42f, reader.read("s", new int[0]).get());
      SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> reader.read("w", 3, 2));
      assertEquals(path + ": tensor \"w\" has shape [2, 3], expected [3, 2]", e.getMessage());
      e = assertThrows(SafeTensorsFormatException.class, () -> reader.read("s", 1));
      assertEquals(path + ": tensor \"s\" has shape [], expected [1]", e.getMessage());
      assertThrows(SafeTensorsFormatException.class, () -> reader.read("w", 2, 3, 1));
    }
  }

  @Test
  void unknownNameListsTheClosestNames() throws IOException {
    String[] names = {"embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight",
        "encoder.layer.0.attention.self.key.weight", "pooler.dense.bias"};
    StringBuilder header = new StringBuilder("{");
    for (int i = 0; i < names.length; i++) {
      header.append(i == 0 ? "" : ",").append('"').append(names[i])
          .append("\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[").append(4 * i).append(',')
          .append(4 * i + 4).append("]}");
    }
    Path path = SafeTensorsBytes.write(dir.resolve("names.safetensors"),
        file(header.append('}').toString(), f32(1, 2, 3, 4)));

    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      assertFalse(reader.contains("bert.encoder.layer.0.attention.self.query.weight"));
      SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class,
          () -> reader.read("bert.encoder.layer.0.attention.self.query.weight"));
      assertTrue(e.getMessage().startsWith(path + ": no tensor \"bert.encoder.layer.0.attention.self.query.weight\""
          + " among 4; closest: \"encoder.layer.0.attention.self.query.weight\", "
          + "\"encoder.layer.0.attention.self.key.weight\""), e.getMessage());
      assertThrows(SafeTensorsFormatException.class, () -> reader.info("pooler.dense.weight"));
    }
  }

  @Test
  void unknownNameInAnEmptyFileSaysSo() throws IOException {
    Path path = SafeTensorsBytes.write(dir.resolve("empty.safetensors"), file("{}", new byte[0]));
    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      assertEquals(List.of(), reader.names());
      assertEquals(Map.of(), reader.metadata());
      SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> reader.read("x"));
      assertEquals(path + ": no tensor \"x\": the file holds no tensors", e.getMessage());
    }
  }

  @Test
  void readsOnlyTheRequestedBytesOfAFileLargerThan2GiB() throws IOException {
    // A sparse 3 GiB file: a tensor at the start, a 3 GiB tensor of bytes, a tensor past the 2^31 boundary.
    long tailOffset = 3L << 30;
    String header = String.format(
        "{\"head\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"bytes\":{\"dtype\":\"U8\",\"shape\":[%d],\"data_offsets\":[8,%d]},"
            + "\"tail\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[%d,%d]}}",
        tailOffset - 8, tailOffset, tailOffset, tailOffset + 4);
    Path path = SafeTensorsBytes.write(dir.resolve("sparse.safetensors"), file(header, f32(7, 8)));
    long dataStart = Files.size(path) - 8;
    try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
      raf.setLength(dataStart + tailOffset + 4);
      raf.seek(dataStart + tailOffset);
      raf.write(u16(0x4040, 0xBF80)); // 3, -1
    }

    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      assertArrayEquals(new float[] {3f, -1f}, reader.read("tail").data());
      assertArrayEquals(new float[] {7f, 8f}, reader.read("head").data());
    }
  }

  @Test
  void readsLargeTensorsAcrossChunksAndConcurrently() throws IOException {
    int n = 700_000; // F64: 5.6 MB, six chunks of 1 MB
    ByteBuffer data = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      data.putDouble(i * 0.5);
    }
    String header = "{\"big\":{\"dtype\":\"F64\",\"shape\":[700,1000],\"data_offsets\":[0," + 8 * n + "]}}";
    Path path = SafeTensorsBytes.write(dir.resolve("big.safetensors"), file(header, data.array()));

    try (SafeTensorsReader reader = SafeTensorsReader.open(path)) {
      IntStream.range(0, 8).parallel().forEach(round -> {
        try {
          float[] values = reader.read("big").data();
          for (int i = 0; i < n; i++) {
            if (values[i] != i * 0.5f) {
              throw new AssertionError("value " + i + " is " + values[i]);
            }
          }
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      });
    }
  }

  @Test
  void anInterruptedReadSaysSo() throws IOException {
    Path path = SafeTensorsBytes.write(dir.resolve("file.safetensors"),
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1)));
    Thread.currentThread().interrupt();
    InterruptedIOException e;
    try {
      e = assertThrows(InterruptedIOException.class, () -> SafeTensorsReader.open(path).close());
    } finally {
      assertTrue(Thread.interrupted(), "the thread stays interrupted");
    }
    assertTrue(e.getMessage().startsWith(path + ": the thread was interrupted while "), e.getMessage());
  }

  @Test
  void headerStaysReadableAfterCloseButDataDoesNot() throws IOException {
    Path path = SafeTensorsBytes.write(dir.resolve("closed.safetensors"),
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1)));
    SafeTensorsReader reader = SafeTensorsReader.open(path);
    reader.close();
    assertEquals(List.of("a"), reader.names());
    assertThrows(ClosedChannelException.class, () -> reader.read("a"));
  }
}
