package bert4j.processor.ops;

/**
 * A forward op that returns a loss: the root of the backward. Its call returns the loss sum, which the
 * generated forward pass scales by the loss's scale and adds up; it also writes the gradient of its
 * logits, so its backward only hands that gradient on.
 */
public interface LossOp extends ForwardOp {
  /** The loss's index in the plan (its targets and scale in the batch). */
  int loss();

  @Override
  default boolean trainingOnly() {
    return true;
  }
}
