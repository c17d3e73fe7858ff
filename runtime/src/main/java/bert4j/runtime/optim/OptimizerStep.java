package bert4j.runtime.optim;

/**
 * One training step of a {@link BoundOptimizer} as a backend runs it: whether it updates the
 * parameters or only adds the gradient to the accumulator, and the scalars of the update, in the
 * precision the update computes with. They are worked out once, here, so that every backend runs the
 * same float operations on the same values.
 *
 * <p>{@link BoundOptimizer#step} fills the one instance each bound optimizer keeps (a step allocates
 * nothing): it holds until that optimizer's next step.
 */
public final class OptimizerStep {
  long call;
  boolean updates;
  long update;
  double learningRate;
  float rate;
  float beta1;
  float beta2;
  float oneMinusBeta1;
  float oneMinusBeta2;
  float momentum;
  float firstMomentScale;
  float secondMomentScale;
  float epsilon;
  float epsilon1;
  float weightDecay;
  boolean initializesSlow;
  boolean synchronizes;
  float lookaheadAlpha;
  float emaMomentum;
  float emaRest;
  double layerAdaptationRate;

  OptimizerStep() {}

  /** The training step, counted from 1. */
  public long call() {
    return call;
  }

  /** Whether this step updates the parameters; false on a step that only accumulates. */
  public boolean updates() {
    return updates;
  }

  /** The update this step makes, counted from 1 (every counter counts updates); 0 if none. */
  public long update() {
    return update;
  }

  /** The learning rate of this update: the base rate (or AdaFactor's relative step), scheduled. */
  public double learningRate() {
    return learningRate;
  }

  /** {@link #learningRate} in float, as the update multiplies by it. */
  public float rate() {
    return rate;
  }

  /** β₁ (Adam, Lion, AdaFactor); 0 for SGD. */
  public float beta1() {
    return beta1;
  }

  /** β₂ (Adam, Lion; AdaFactor's, which may be scheduled: 1 − t^−0.8); 0 for SGD. */
  public float beta2() {
    return beta2;
  }

  /** 1 − β₁, rounded from double. */
  public float oneMinusBeta1() {
    return oneMinusBeta1;
  }

  /** 1 − β₂, rounded from double. */
  public float oneMinusBeta2() {
    return oneMinusBeta2;
  }

  /** SGD's momentum μ (0 without); 0 for other methods. */
  public float momentum() {
    return momentum;
  }

  /** Adam's bias correction of m at this update, 1/(1 − β₁ᵗ), or 1 without bias correction. */
  public float firstMomentScale() {
    return firstMomentScale;
  }

  /** Adam's bias correction of v at this update, 1/(1 − β₂ᵗ), or 1 without bias correction. */
  public float secondMomentScale() {
    return secondMomentScale;
  }

  /** Adam's ε. */
  public float epsilon() {
    return epsilon;
  }

  /** AdaFactor's ε₁, added to g² (and to v under the square root). */
  public float epsilon1() {
    return epsilon1;
  }

  /** lr·rate of decoupled weight decay, for the tensors that decay; 0 without weight decay. */
  public float weightDecay() {
    return weightDecay;
  }

  /** Whether lookahead's slow weights start here, as θ before this update (the first update). */
  public boolean initializesSlow() {
    return initializesSlow;
  }

  /** Whether lookahead synchronises after this update: slow += α(θ − slow); θ = slow. */
  public boolean synchronizes() {
    return synchronizes;
  }

  /** Lookahead's α. */
  public float lookaheadAlpha() {
    return lookaheadAlpha;
  }

  /** The moving average's momentum μ: ema = μ·ema + (1 − μ)·θ. */
  public float emaMomentum() {
    return emaMomentum;
  }

  /** 1 − μ of the moving average, rounded from double. */
  public float emaRest() {
    return emaRest;
  }

  /**
   * The learning rate layer adaptation divides the update by to get its norm ‖Δ/lr‖: this update's
   * rate, at least {@link OptimizerProgram#LAYER_ADAPTATION_MIN_LR}.
   */
  public double layerAdaptationRate() {
    return layerAdaptationRate;
  }
}
