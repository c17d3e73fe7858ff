package bert4j.runtime.optim;

/**
 * The blocks of optimizer state a bound program keeps, each in its own backend memory (so that no block
 * is larger than the parameters): the moments, lookahead's slow weights, the moving average and the
 * gradient accumulator. {@link BoundOptimizer#regionFloats} says which a program uses and how large.
 */
public enum StateRegion {
  /** First moment (Adam, Lion, AdaFactor with β₁ &gt; 0) or velocity (SGD with momentum). */
  M,
  /** Second moment (Adam; AdaFactor, factored for large 2-D tensors). */
  V,
  /** Lookahead's slow weights. */
  SLOW,
  /** The exponential moving average of the weights (not bias-corrected). */
  EMA,
  /** The sum of the gradients of the current accumulation window. */
  ACCUMULATED;

  /** Number of regions: the length of the state arrays indexed by ordinal. */
  public static final int COUNT = values().length;

  private static final StateRegion[] BY_ORDINAL = values();

  /** The region with this ordinal, without the copy {@link #values()} makes. */
  public static StateRegion of(int ordinal) {
    return BY_ORDINAL[ordinal];
  }
}
