package bert4j.runtime.text.sentencepiece;

/** The segmentation algorithm of a SentencePiece model ({@code TrainerSpec.ModelType}). */
public enum ModelType {
  /** Unigram language model: the segmentation with the highest sum of piece scores (Viterbi). */
  UNIGRAM(1),
  /** Byte-pair encoding: merge adjacent symbols, highest-scoring merge first. */
  BPE(2),
  /** Whitespace-delimited words (not supported by {@link SentencePieceTokenizer}). */
  WORD(3),
  /** One piece per character (not supported by {@link SentencePieceTokenizer}). */
  CHAR(4);

  private final int number;

  ModelType(int number) {
    this.number = number;
  }

  /** The enum number of this model type in the protobuf. */
  int number() {
    return number;
  }

  /** The model type with this enum number of the protobuf, or null for a number it does not define. */
  static ModelType ofNumber(int number) {
    for (ModelType type : values()) {
      if (type.number == number) {
        return type;
      }
    }
    return null;
  }
}
