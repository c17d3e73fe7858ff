package bert4j.runtime.text.sentencepiece;

/**
 * What normalization makes of the start of the remaining input: {@code length} bytes of {@code source}
 * from {@code offset} replace the first {@code consumed} input bytes. Mutable and reused within one
 * call, so that normalizing allocates nothing per character.
 */
final class Prefix {
  byte[] source;
  int offset;
  int length;
  int consumed;

  void set(byte[] source, int offset, int length, int consumed) {
    this.source = source;
    this.offset = offset;
    this.length = length;
    this.consumed = consumed;
  }

  /** Whether the replacement is exactly one ASCII space. */
  boolean isSingleSpace() {
    return length == 1 && source[offset] == ' ';
  }
}
