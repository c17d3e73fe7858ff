package bert4j.processor.heads;

/**
 * Where a loss's targets come from; mirrors the runtime's {@code LossTarget.Kind} by name (a
 * processor test holds the two together), since the processor never loads runtime classes.
 */
public enum LossKind {
  /** {@code Batch.labels}: one class per sequence. */
  SEQUENCE_LABELS,
  /** {@code Batch.tokenLabels}: one class per position, −1 = not counted. */
  TOKEN_LABELS,
  /** The token ids: position i predicts token i + 1 unless that is padding. */
  NEXT_TOKEN,
  /** As NEXT_TOKEN, counted only where token i + 1 is in segment 1. */
  NEXT_TARGET_TOKEN,
  /**
   * {@code Batch.tokenLabels} as one tag path per sequence: a tag at every non-padding position,
   * padding ignored; a mean over the sequences.
   */
  TAG_PATHS,
  /**
   * {@code Batch.spans} of one span head (by its name): target spans (type, start, end) per
   * sequence, staged as (b, t, i, j) quadruples; a mean over the sequences.
   */
  SPANS
}
