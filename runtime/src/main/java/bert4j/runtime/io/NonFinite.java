package bert4j.runtime.io;

/**
 * What loading or saving a model's weights does with NaN and infinite values. {@link #REJECT} is the
 * default: one NaN weight turns every weight NaN after a single training step, so a file that holds one
 * is almost always a broken run. {@link #ALLOW} is for inspecting or repairing such a file.
 */
public enum NonFinite {
  /** Fail, naming the tensors that hold NaN or infinity, and change nothing. */
  REJECT,
  /** Load or save the values as they are. */
  ALLOW
}
