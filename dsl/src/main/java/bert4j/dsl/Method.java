package bert4j.dsl;

/** The base rule of an {@link Optimizer}; extensions wrap it. */
public enum Method {
  /**
   * Adam: m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; θ ← θ − lr·m̂/(√v̂ + ε), with bias correction
   * m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) (optional; bert4keras's default ε is 1e-6).
   */
  ADAM,
  /** Stochastic gradient descent as Keras: v = μv − lr·g; θ ← θ + v (Nesterov: θ ← θ + μv − lr·g). */
  SGD,
  /** AdaFactor (Shazeer and Stern, 2018) as bert4keras; settings in {@link Optimizer#adafactor()}. */
  ADAFACTOR,
  /** Lion (Chen et al., 2023): θ ← θ − lr·sign(β₁m + (1−β₁)g); m = β₂m + (1−β₂)g. */
  LION
}
