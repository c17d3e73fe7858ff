package bert4j.runtime.text.sentencepiece;

/**
 * UTF-8 as SentencePiece reads it: characters are found by their lead byte alone
 * ({@code string_util::OneCharLen}), and a sequence is valid only as {@code string_util::DecodeUTF8}
 * accepts it (shortest form, no surrogates, at most U+10FFFF).
 */
final class Utf8 {
  /** U+FFFD, what SentencePiece puts for a byte that starts no valid character. */
  static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

  private Utf8() {
  }

  /** The length of the character whose lead byte is {@code lead}, from its top four bits alone. */
  static int charLength(byte lead) {
    int top = (lead & 0xFF) >>> 4;
    return top < 12 ? 1 : top < 14 ? 2 : top == 14 ? 3 : 4;
  }

  /**
   * The length of the valid character at {@code bytes[from]} (before {@code to}), or 0 if the bytes
   * there are not one; U+FFFD itself is valid.
   */
  static int validCharLength(byte[] bytes, int from, int to) {
    int b0 = bytes[from] & 0xFF;
    int available = to - from;
    if (b0 < 0x80) {
      return 1;
    }
    if (available >= 2 && (b0 & 0xE0) == 0xC0 && isTrail(bytes[from + 1])) {
      int cp = ((b0 & 0x1F) << 6) | (bytes[from + 1] & 0x3F);
      return cp >= 0x80 ? 2 : 0;
    }
    if (available >= 3 && (b0 & 0xF0) == 0xE0 && isTrail(bytes[from + 1])
        && isTrail(bytes[from + 2])) {
      int cp = ((b0 & 0x0F) << 12) | ((bytes[from + 1] & 0x3F) << 6) | (bytes[from + 2] & 0x3F);
      return cp >= 0x800 && (cp < 0xD800 || cp >= 0xE000) ? 3 : 0;
    }
    if (available >= 4 && (b0 & 0xF8) == 0xF0 && isTrail(bytes[from + 1])
        && isTrail(bytes[from + 2]) && isTrail(bytes[from + 3])) {
      int cp = ((b0 & 0x07) << 18) | ((bytes[from + 1] & 0x3F) << 12)
          | ((bytes[from + 2] & 0x3F) << 6) | (bytes[from + 3] & 0x3F);
      return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
    }
    return 0;
  }

  private static boolean isTrail(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
