package bert4j.processor.heads;

/**
 * A loss of the model as the runtime stages its targets: {@code kind} names a constant of the runtime's
 * {@code LossTarget.Kind} (SEQUENCE_LABELS, TOKEN_LABELS, NEXT_TOKEN, NEXT_TARGET_TOKEN), targets lie in
 * [0, classes), and {@code head} names the head in error messages ("the classification head").
 */
public record Loss(String kind, int classes, String head) {}
