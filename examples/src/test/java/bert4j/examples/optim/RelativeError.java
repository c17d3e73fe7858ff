package bert4j.examples.optim;

/**
 * ‖actual − expected‖ / ‖expected‖ (the absolute norm when expected is zero): how the optimizer tests
 * compare parameters with the reference.
 */
final class RelativeError {
  private RelativeError() {}

  static double of(float[] actual, double[] expected) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < actual.length; i++) {
      diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
      norm += expected[i] * expected[i];
    }
    return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
  }
}
