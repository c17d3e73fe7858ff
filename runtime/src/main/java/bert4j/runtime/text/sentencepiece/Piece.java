package bert4j.runtime.text.sentencepiece;

/** One vocabulary entry of a model: its text (and that text's UTF-8 bytes), score and type. */
record Piece(String text, byte[] utf8, float score, PieceType type) {
}
