package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Decoupled weight decay (AdamW), an extension of {@link Optimizer#weightDecay()}: after the base
 * update, θ ← θ′ − lr·rate·θ, where lr is the scheduled learning rate and θ the value before the step.
 * bert4keras: {@code extend_with_weight_decay}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface WeightDecay {
  /** The decay rate; positive and finite. */
  double rate() default 0.01;

  /**
   * Regular expressions; a parameter whose name (Hugging Face, without the {@code bert.} prefix, e.g.
   * {@code encoder.layer.0.attention.output.LayerNorm.weight}) contains a match of any of them is not
   * decayed. Typical: {@code {"LayerNorm", "bias"}}.
   */
  String[] exclude() default {};
}
