package bert4j.runtime.model;

import bert4j.runtime.NonFiniteException;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Slice;

/**
 * The check between a training step's backward and its update: one scan of the gradients where they
 * live ({@link Kernels#firstNonFinite}), and, only when something is NaN or ±∞, a
 * {@link NonFiniteException} that names the step, the first non-finite gradient's tensor and element
 * (or the loss), and a parameter that is itself non-finite.
 */
final class NonFiniteCheck {
  private final Kernels kernels;
  private final String model;
  private final Slice params;
  private final Slice grads;
  private final int count;
  private final ParameterIndex index;

  NonFiniteCheck(Kernels kernels, String model, Slice params, Slice grads, int count,
      ParameterIndex index) {
    this.kernels = kernels;
    this.model = model;
    this.params = params;
    this.grads = grads;
    this.count = count;
    this.index = index;
  }

  /** Throws when the loss or a gradient of training step {@code step} is not finite. */
  void require(long step, double loss) {
    long gradient = kernels.firstNonFinite(grads, count);
    if (gradient < 0 && Float.isFinite((float) loss)) {
      return;
    }
    StringBuilder message = new StringBuilder("training step ").append(step).append(" of ")
        .append(model).append(": ");
    if (gradient >= 0) {
      message.append("the first non-finite gradient is ").append(element(grads, gradient))
          .append("; ");
    }
    message.append("the loss is ").append((float) loss);
    long parameter = kernels.firstNonFinite(params, count);
    if (parameter >= 0) {
      message.append("; the parameter ").append(element(params, parameter))
          .append(" is itself non-finite");
    }
    message.append(". No update was applied: the weights are as they were before this step");
    throw new NonFiniteException(step, gradient < 0 ? "loss" : index.at(gradient).name(),
        message.toString());
  }

  /** "name[i, j] = value": float {@code at} of a buffer laid out as the parameters. */
  private String element(Slice buffer, long at) {
    float[] value = new float[1];
    kernels.read(buffer.plus(at), value, 0, 1);
    return index.element(at) + " = " + value[0];
  }
}
