package bert4j.runtime.text.sentencepiece;

/**
 * A Java string as the UTF-8 bytes SentencePiece works on, with the UTF-16 index of the character each
 * byte belongs to, so that byte offsets become offsets into the string. A lone surrogate, which UTF-8
 * cannot hold, is encoded as U+FFFD.
 */
final class Utf8Text {
  final byte[] bytes;
  final int length;
  /**
   * {@code utf16[b]}: the string index of the character that byte {@code b} belongs to;
   * {@code utf16[length]} is the string's length.
   */
  final int[] utf16;

  Utf8Text(String text) {
    int n = text.length();
    byte[] out = new byte[n * 3];
    int[] index = new int[n * 3 + 1];
    int at = 0;
    for (int i = 0; i < n; ) {
      char c = text.charAt(i);
      int next = i + 1;
      int cp = c;
      if (Character.isHighSurrogate(c) && next < n && Character.isLowSurrogate(text.charAt(next))) {
        cp = Character.toCodePoint(c, text.charAt(next));
        next++;
      } else if (Character.isSurrogate(c)) {
        cp = 0xFFFD;
      }
      int start = at;
      if (cp < 0x80) {
        out[at++] = (byte) cp;
      } else if (cp < 0x800) {
        out[at++] = (byte) (0xC0 | cp >>> 6);
        out[at++] = (byte) (0x80 | cp & 0x3F);
      } else if (cp < 0x10000) {
        out[at++] = (byte) (0xE0 | cp >>> 12);
        out[at++] = (byte) (0x80 | cp >>> 6 & 0x3F);
        out[at++] = (byte) (0x80 | cp & 0x3F);
      } else {
        out[at++] = (byte) (0xF0 | cp >>> 18);
        out[at++] = (byte) (0x80 | cp >>> 12 & 0x3F);
        out[at++] = (byte) (0x80 | cp >>> 6 & 0x3F);
        out[at++] = (byte) (0x80 | cp & 0x3F);
      }
      for (int b = start; b < at; b++) {
        index[b] = i;
      }
      i = next;
    }
    index[at] = n;
    this.bytes = out;
    this.length = at;
    this.utf16 = index;
  }
}
