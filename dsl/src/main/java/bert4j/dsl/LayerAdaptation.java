package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Layer adaptation (LAMB), an extension of {@link Optimizer#layerAdaptation()}: per parameter tensor,
 * with Δ the update so far (base and weight decay), r = ‖θ‖ / ‖Δ / max(lr, 1e-7)‖ (1 when either
 * norm is 0) and θ ← θ + r·Δ. bert4keras: {@code extend_with_layer_adaptation}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface LayerAdaptation {
  /** Regular expressions; parameters whose name contains a match keep r = 1. */
  String[] exclude() default {};
}
