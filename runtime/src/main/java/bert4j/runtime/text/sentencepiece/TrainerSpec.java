package bert4j.runtime.text.sentencepiece;

/**
 * The parts of a model's {@code TrainerSpec} that encoding and decoding use, with the protobuf's
 * defaults where the file leaves a field out.
 */
record TrainerSpec(ModelType modelType, boolean byteFallback, boolean treatWhitespaceAsSuffix,
    String unkPiece, String bosPiece, String eosPiece, String padPiece, String unkSurface) {
  /** The spec of a model whose file has none: a unigram model with the default special pieces. */
  static final TrainerSpec DEFAULT =
      new TrainerSpec(ModelType.UNIGRAM, false, false, "<unk>", "<s>", "</s>", "<pad>", " \u2047 ");
}
