package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exponential moving average of the weights, an extension of {@link Optimizer#ema()}: after every
 * update, e ← μe + (1 − μ)θ, with e starting at 0. {@code TransformerModel.applyEma()} swaps in the
 * bias-corrected average e / (1 − μᵗ) (t updates) for evaluation, {@code restore()} swaps back.
 * bert4keras: {@code extend_with_exponential_moving_average}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Ema {
  /** The momentum μ, in (0, 1). */
  double momentum() default 0.999;
}
