package bert4j.runtime.text.sentencepiece;

/** What a piece of a SentencePiece vocabulary is ({@code ModelProto.SentencePiece.Type}). */
public enum PieceType {
  /** A piece that segmentation produces from text. */
  NORMAL(1),
  /** The unknown piece ({@code <unk>}): exactly one per model. */
  UNKNOWN(2),
  /** A control symbol ({@code <s>}, {@code </s>}, {@code <pad>}): never from text, decoded to nothing. */
  CONTROL(3),
  /** A user-defined symbol: one piece wherever it occurs in the text, and never normalized. */
  USER_DEFINED(4),
  /** A piece that is in the vocabulary but never produced (BPE splits it back into its parts). */
  UNUSED(5),
  /** A byte piece {@code <0xNN>} for byte fallback. */
  BYTE(6);

  private final int number;

  PieceType(int number) {
    this.number = number;
  }

  /** The enum number of this type in the protobuf. */
  int number() {
    return number;
  }

  /** The type with this enum number of the protobuf, or null for a number it does not define. */
  static PieceType ofNumber(int number) {
    for (PieceType type : values()) {
      if (type.number == number) {
        return type;
      }
    }
    return null;
  }
}
