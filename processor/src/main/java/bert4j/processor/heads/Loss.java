package bert4j.processor.heads;

/**
 * A loss of the model as the runtime stages its targets: where they come from, the range they lie in
 * ([0, classes)), the head's name in error messages ("the classification head"), and for a span
 * head's loss the name its targets go by in {@code Batch.spans} (null for the others) and whether
 * the head masks spans that end before they start ({@code tril}), so that such a target is refused.
 */
public record Loss(LossKind kind, int classes, String head, String spanHead, boolean tril) {
  /** A loss whose targets are not a span head's. */
  public Loss(LossKind kind, int classes, String head) {
    this(kind, classes, head, null, false);
  }
}
