package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Lookahead, an extension of {@link Optimizer#lookahead()}: slow weights start as the parameters before
 * the first update; after every {@code steps}-th update, slow ← slow + α(θ − slow) and θ ← slow.
 * bert4keras: {@code extend_with_lookahead} (k, α).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Lookahead {
  /** Updates between synchronisations (k); at least 1. */
  int steps() default 5;

  /** The slow step size α, in (0, 1]. */
  double alpha() default 0.5;
}
