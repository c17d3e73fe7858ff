package bert4j.runtime.model;

/**
 * One loss of a generated model, as its targets are staged from a {@link bert4j.runtime.Batch}: where
 * they come from ({@link Kind}), the range they lie in ([0, classes)), the head's name for error
 * messages, and for {@link Kind#SPANS} the span head's name, its key in {@code Batch.spans} (null for
 * the other kinds), and whether the head masks spans that end before they start ({@code tril}: such
 * a target could never score, so it is refused). Each loss's scale is 1 / the number of counted
 * targets, so each is a mean.
 */
public record LossTarget(Kind kind, int classes, String head, String spanHead, boolean tril) {
  /** A loss whose targets are not a span head's. */
  public LossTarget(Kind kind, int classes, String head) {
    this(kind, classes, head, null, false);
  }

  /** Where a loss's targets come from. */
  public enum Kind {
    /** {@code Batch.labels}: one class per sequence. */
    SEQUENCE_LABELS,
    /** {@code Batch.tokenLabels}: one class per position, −1 = not counted. */
    TOKEN_LABELS,
    /** The token ids: position i predicts token i + 1 unless that is padding. */
    NEXT_TOKEN,
    /** As NEXT_TOKEN, counted only where token i + 1 is in segment 1 (UniLM's targets). */
    NEXT_TARGET_TOKEN,
    /**
     * {@code Batch.tokenLabels} as one tag path per sequence (CRF, MEMM): a tag in [0, classes) at
     * every non-padding position (token id ≠ 0), anything at padding (staged as −1); counted per
     * sequence with a non-padding position, so the loss is a mean over sequences.
     */
    TAG_PATHS,
    /**
     * {@code Batch.spans} under the span head's name: per sequence, target spans (type in
     * [0, classes), start, end) at non-padding positions, staged as (b, t, i, j) quadruples for
     * {@code Kernels.spanLoss}; counted per sequence, so the loss (summed over the types) is a mean
     * over sequences.
     */
    SPANS;

    /** Whether the targets are one per token (else one per sequence). */
    public boolean perToken() {
      return this != SEQUENCE_LABELS && this != SPANS;
    }
  }
}
