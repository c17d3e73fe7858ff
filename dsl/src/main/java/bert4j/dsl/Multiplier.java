package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A parameter-wise learning-rate multiplier ({@link Optimizer#multipliers()}): the update of every
 * parameter whose name contains {@code pattern} as a plain substring (as bert4keras's
 * {@code extend_with_parameter_wise_lr}) is scaled by {@code value}; a parameter matched by several
 * patterns gets the product.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Multiplier {
  /** A non-empty substring of parameter names, e.g. {@code "classifier"} or {@code "encoder.layer.0."}. */
  String pattern();

  /** The multiplier; finite and at least 0. */
  double value();
}
