package bert4j.runtime.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors bytes by hand in tests, independently of {@link SafeTensorsWriter}. */
final class SafeTensorsBytes {
  private SafeTensorsBytes() {}

  /** The 8-byte little-endian header length, the header JSON as UTF-8 (unpadded), then {@code data}. */
  static byte[] file(String headerJson, byte[] data) {
    return file(headerJson.getBytes(StandardCharsets.UTF_8), data);
  }

  /** The 8-byte little-endian length of {@code header}, {@code header}, then {@code data}. */
  static byte[] file(byte[] header, byte[] data) {
    return concat(le64(header.length), header, data);
  }

  static Path write(Path file, byte[] bytes) throws IOException {
    return Files.write(file, bytes);
  }

  static byte[] le64(long value) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
  }

  static byte[] f32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  static byte[] f64(double... values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      b.putDouble(v);
    }
    return b.array();
  }

  /** 16-bit little-endian values (F16 or BF16 bit patterns), low byte first. */
  static byte[] u16(int... values) {
    byte[] out = new byte[2 * values.length];
    for (int i = 0; i < values.length; i++) {
      out[2 * i] = (byte) values[i];
      out[2 * i + 1] = (byte) (values[i] >>> 8);
    }
    return out;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
