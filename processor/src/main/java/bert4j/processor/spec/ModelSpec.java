package bert4j.processor.spec;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Mask;
import bert4j.dsl.Objective;

/**
 * Everything the annotations of one interface say, defaults filled and validated: the input of the
 * planner. {@code objective} is resolved (never {@code BY_MASK}). {@code packageName} and {@code interfaceName} locate the spec; the generated class is
 * {@code interfaceName + "Impl"} in the same package.
 */
public record ModelSpec(
    String packageName,
    String interfaceName,
    Architecture architecture,
    int layers,
    int hidden,
    int heads,
    int intermediate,
    int vocab,
    int maxPosition,
    int segments,
    Activation activation,
    double hiddenDropout,
    double layerNormEps,
    double initializerRange,
    boolean recompute,
    Mask mask,
    double attentionDropout,
    int keySize,
    boolean attentionScale,
    boolean pooler,
    boolean mlm,
    Objective objective,
    int classes,
    int tokenClasses,
    OptimizerSpec optimizer) {

  /** Width of each head's values: hidden / heads. */
  public int headSize() {
    return hidden / heads;
  }

  /** The generated class's simple name. */
  public String implName() {
    return interfaceName + "Impl";
  }

  /** The interface's qualified name. */
  public String qualifiedName() {
    return packageName.isEmpty() ? interfaceName : packageName + "." + interfaceName;
  }
}
