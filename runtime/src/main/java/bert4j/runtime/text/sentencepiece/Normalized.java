package bert4j.runtime.text.sentencepiece;

import java.util.Arrays;

/**
 * A normalized text: its UTF-8 bytes and, for each byte, the offset in the input of the input bytes
 * it came from ({@code toInput[length]}: where the input ends for the last piece), as SentencePiece's
 * {@code norm_to_orig}.
 */
final class Normalized {
  byte[] bytes;
  int[] toInput;
  int length;

  Normalized(int capacity) {
    bytes = new byte[Math.max(capacity, 8)];
    toInput = new int[bytes.length + 1];
  }

  void append(byte b, int inputOffset) {
    if (length == bytes.length) {
      bytes = Arrays.copyOf(bytes, length * 2);
      toInput = Arrays.copyOf(toInput, length * 2 + 1);
    }
    bytes[length] = b;
    toInput[length] = inputOffset;
    length++;
  }

  void append(byte[] source, int from, int count, int inputOffset) {
    for (int i = 0; i < count; i++) {
      append(source[from + i], inputOffset);
    }
  }

  boolean endsWith(byte[] suffix) {
    if (length < suffix.length) {
      return false;
    }
    for (int i = 0; i < suffix.length; i++) {
      if (bytes[length - suffix.length + i] != suffix[i]) {
        return false;
      }
    }
    return true;
  }
}
