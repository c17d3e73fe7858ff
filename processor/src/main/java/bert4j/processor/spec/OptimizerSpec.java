package bert4j.processor.spec;

import bert4j.dsl.Method;

/** The validated {@code @Optimizer} of a spec: the base method and its hyper-parameters. */
public record OptimizerSpec(
    Method method,
    double learningRate,
    double beta1,
    double beta2,
    double epsilon,
    boolean biasCorrection,
    double momentum,
    boolean nesterov) {

  /** What a spec without {@code @Optimizer} trains with: Adam at 1e-3. */
  public static OptimizerSpec defaults() {
    return new OptimizerSpec(Method.ADAM, 1e-3, 0.9, 0.999, 1e-6, true, 0, false);
  }
}
