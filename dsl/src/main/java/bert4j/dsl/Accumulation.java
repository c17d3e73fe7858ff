package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gradient accumulation, an extension of {@link Optimizer#accumulation()}: each training step adds its
 * gradient to an accumulator; every {@code steps}-th training step updates the parameters with the mean
 * of the accumulated gradients (and clears the accumulator). Every other extension counts updates, not
 * training steps. bert4keras: {@code extend_with_gradient_accumulation}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Accumulation {
  /** Training steps per update; at least 1. */
  int steps() default 2;
}
