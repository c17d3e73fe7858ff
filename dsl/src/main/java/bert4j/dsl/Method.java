package bert4j.dsl;

/** The base rule of an {@link Optimizer}; extensions wrap it. */
public enum Method {
  /** Adam with optional bias correction (bert4keras's default ε is 1e-6). */
  ADAM,
  /** Stochastic gradient descent, with optional (Nesterov) momentum. */
  SGD
}
