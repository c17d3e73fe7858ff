package bert4j.processor.heads;

/**
 * A loss of the model as the runtime stages its targets: where they come from, the range they lie in
 * ([0, classes)), and the head's name in error messages ("the classification head").
 */
public record Loss(LossKind kind, int classes, String head) {}
