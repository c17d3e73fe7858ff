package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One point of a piecewise-linear learning-rate schedule ({@link Optimizer#schedule()}): after
 * {@code step} updates the learning rate is {@code multiplier} × the base rate. Between points the
 * multiplier is interpolated linearly, after the last point it stays; before the first point it rises
 * linearly from 0 at step 0 (unless the first point is at step 0). bert4keras:
 * {@code extend_with_piecewise_linear_lr}, e.g. {@code {1000: 1, 2000: 0.1}}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Point {
  /** Updates done; at least 0, strictly increasing along the schedule. */
  long step();

  /** The learning-rate multiplier at that step; finite and at least 0. */
  double multiplier();
}
