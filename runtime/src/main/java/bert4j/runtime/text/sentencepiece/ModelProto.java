package bert4j.runtime.text.sentencepiece;

import java.util.List;

/**
 * The parts of a SentencePiece {@code ModelProto} that tokenization uses: the vocabulary in id order,
 * the trainer and normalizer specs, and the optional denormalizer applied to decoded text (null when the
 * model has none).
 */
record ModelProto(List<Piece> pieces, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec,
    NormalizerSpec denormalizerSpec) {
}
