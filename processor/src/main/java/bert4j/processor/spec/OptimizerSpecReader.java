package bert4j.processor.spec;

import bert4j.dsl.Method;

/** Reads and validates {@code @Optimizer}. */
final class OptimizerSpecReader {
  private OptimizerSpecReader() {}

  static OptimizerSpec read(AnnotationValues optimizer) {
    Method method = optimizer.enumValue("value", Method.class);
    double learningRate = optimizer.doubleValue("learningRate");
    double beta1 = optimizer.doubleValue("beta1");
    double beta2 = optimizer.doubleValue("beta2");
    double epsilon = optimizer.doubleValue("epsilon");
    double momentum = optimizer.doubleValue("momentum");
    boolean nesterov = optimizer.booleanValue("nesterov");
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      optimizer.error("learningRate", "learningRate=" + learningRate + " must be positive and finite");
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      optimizer.error("beta1", "beta1=" + beta1 + " must be in [0, 1)");
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      optimizer.error("beta2", "beta2=" + beta2 + " must be in [0, 1)");
    }
    if (!(epsilon > 0)) {
      optimizer.error("epsilon", "epsilon=" + epsilon + " must be positive");
    }
    if (!(momentum >= 0 && momentum < 1)) {
      optimizer.error("momentum", "momentum=" + momentum + " must be in [0, 1)");
    }
    if (nesterov && !(momentum > 0)) {
      optimizer.error("nesterov", "nesterov=true needs momentum > 0");
    }
    return new OptimizerSpec(method, learningRate, beta1, beta2, epsilon,
        optimizer.booleanValue("biasCorrection"), momentum, nesterov);
  }
}
