package bert4j.runtime.text.sentencepiece;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable run of UTF-8 bytes, for decoding pieces (whose bytes may split characters) into text. */
final class Utf8Builder {
  byte[] bytes = new byte[64];
  int length;

  void append(byte b) {
    if (length == bytes.length) {
      bytes = Arrays.copyOf(bytes, length * 2);
    }
    bytes[length++] = b;
  }

  void append(byte[] source, int from, int count) {
    if (length + count > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + count));
    }
    System.arraycopy(source, from, bytes, length, count);
    length += count;
  }

  /** The bytes as text (they are valid UTF-8 when every piece appended was whole). */
  @Override
  public String toString() {
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }
}
