package bert4j.runtime.optim;

import bert4j.dsl.Method;
import java.nio.FloatBuffer;

/**
 * The optimizer of one model, compiled from its {@code @Optimizer} spec into constants: the base rule
 * and its hyper-parameters. The update runs as one fused pass over the flat parameter, gradient and
 * state buffers (see {@link bert4j.runtime.kernels.Kernels#optimizerStep}); this class holds the
 * host implementation of that pass, which the CPU backend calls.
 *
 * <p>State layout, in floats after the start of the state buffer: Adam keeps m then v (n each), SGD
 * with momentum keeps the velocity (n); plain SGD keeps nothing.
 */
public final class OptimizerProgram {
  private final Method method;
  private final double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final boolean biasCorrection;
  private final double momentum;
  private final boolean nesterov;

  private OptimizerProgram(Method method, double learningRate, double beta1, double beta2,
      double epsilon, boolean biasCorrection, double momentum, boolean nesterov) {
    this.method = method;
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.biasCorrection = biasCorrection;
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  /** Adam: m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; θ −= lr·m̂/(√v̂ + ε) (m̂ = m, v̂ = v without correction). */
  public static OptimizerProgram adam(double learningRate, double beta1, double beta2, double epsilon,
      boolean biasCorrection) {
    return new OptimizerProgram(Method.ADAM, learningRate, beta1, beta2, epsilon, biasCorrection, 0,
        false);
  }

  /** SGD as Keras: v = μv − lr·g; θ += v (Nesterov: θ += μv − lr·g); plain θ −= lr·g when μ = 0. */
  public static OptimizerProgram sgd(double learningRate, double momentum, boolean nesterov) {
    return new OptimizerProgram(Method.SGD, learningRate, 0, 0, 0, false, momentum, nesterov);
  }

  public Method method() {
    return method;
  }

  /** Adam's β₁ (0 for SGD). */
  public double beta1() {
    return beta1;
  }

  /** Adam's β₂ (0 for SGD). */
  public double beta2() {
    return beta2;
  }

  /** Adam's ε (0 for SGD). */
  public double epsilon() {
    return epsilon;
  }

  /** Whether Adam divides the moments by 1 − βᵗ. */
  public boolean biasCorrection() {
    return biasCorrection;
  }

  /** SGD's momentum μ (0 for plain SGD and for Adam). */
  public double momentum() {
    return momentum;
  }

  /** Whether SGD uses Nesterov momentum. */
  public boolean nesterov() {
    return nesterov;
  }

  /** Floats of optimizer state for {@code parameterCount} parameters. */
  public long stateSize(long parameterCount) {
    return switch (method) {
      case ADAM -> 2 * parameterCount;
      case SGD -> momentum > 0 ? parameterCount : 0;
    };
  }

  /** The learning rate of update number {@code step} (1-based). */
  public double learningRate(long step) {
    return learningRate;
  }

  /**
   * Update number {@code step} (1-based) of the first {@code count} parameters, on host buffers
   * indexed from 0.
   */
  public void applyOnHost(FloatBuffer params, FloatBuffer grads, FloatBuffer state, int count,
      long step) {
    if (step < 1) {
      throw new IllegalArgumentException("optimizer steps count from 1, got " + step);
    }
    double lr = learningRate(step);
    switch (method) {
      case ADAM -> adam(params, grads, state, count, step, lr);
      case SGD -> sgd(params, grads, state, count, lr);
    }
  }

  private void adam(FloatBuffer params, FloatBuffer grads, FloatBuffer state, int count, long step,
      double lr) {
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float c1 = (float) (1 - beta1);
    float c2 = (float) (1 - beta2);
    float mScale = biasCorrection ? (float) (1 / (1 - Math.pow(beta1, step))) : 1f;
    float vScale = biasCorrection ? (float) (1 / (1 - Math.pow(beta2, step))) : 1f;
    float rate = (float) lr;
    float eps = (float) epsilon;
    for (int i = 0; i < count; i++) {
      float g = grads.get(i);
      float m = b1 * state.get(i) + c1 * g;
      float v = b2 * state.get(count + i) + c2 * g * g;
      state.put(i, m);
      state.put(count + i, v);
      params.put(i, params.get(i) - rate * (m * mScale) / ((float) Math.sqrt(v * vScale) + eps));
    }
  }

  private void sgd(FloatBuffer params, FloatBuffer grads, FloatBuffer state, int count, double lr) {
    float rate = (float) lr;
    float mu = (float) momentum;
    if (momentum == 0) {
      for (int i = 0; i < count; i++) {
        params.put(i, params.get(i) - rate * grads.get(i));
      }
      return;
    }
    for (int i = 0; i < count; i++) {
      float g = grads.get(i);
      float velocity = mu * state.get(i) - rate * g;
      state.put(i, velocity);
      params.put(i, params.get(i) + (nesterov ? mu * velocity - rate * g : velocity));
    }
  }
}
