package bert4j.runtime.text.sentencepiece;

/** A SentencePiece segmentation algorithm: cuts a normalized text into pieces of the vocabulary. */
interface Segmenter {
  /** Appends the pieces of {@code text[0, length)} to {@code out}. */
  void segment(byte[] text, int length, Segments out);
}
