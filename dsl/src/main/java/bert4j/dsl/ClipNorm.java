package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gradient clipping by global norm ({@link Optimizer#clipNorm()}), beyond bert4keras: before the base
 * rule sees the gradient g (the accumulated mean when accumulating), g ← g · min(1, max / ‖g‖) with ‖g‖
 * the L2 norm over every parameter.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface ClipNorm {
  /** The largest global norm; positive and finite. */
  double value();
}
