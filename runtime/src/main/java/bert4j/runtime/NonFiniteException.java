package bert4j.runtime;

/**
 * A training step found a NaN or ±∞ in its loss or its gradients and stopped before the optimizer
 * update, so no weight was changed by it. The message names the step, the first parameter (in
 * flat-buffer order) whose gradient is non-finite, the loss, and the first parameter that is
 * itself non-finite when one is (a bad weight set or loaded), the usual cause besides too high a
 * learning rate.
 */
public final class NonFiniteException extends ArithmeticException {
  private final long step;
  private final String tensor;

  /**
   * @param step the training step that stopped (counted from 1)
   * @param tensor the first parameter whose gradient is non-finite, or {@code "loss"}
   */
  public NonFiniteException(long step, String tensor, String message) {
    super(message);
    this.step = step;
    this.tensor = tensor;
  }

  /** The training step that stopped, counted from 1: the model's training steps before it + 1. */
  public long step() {
    return step;
  }

  /**
   * The first parameter whose gradient is non-finite, or {@code "loss"} when every gradient is
   * finite and the loss is not.
   */
  public String tensor() {
    return tensor;
  }
}
