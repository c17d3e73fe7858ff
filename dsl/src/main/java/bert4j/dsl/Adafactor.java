package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The settings of {@link Method#ADAFACTOR} ({@link Optimizer#adafactor()}), as bert4keras's
 * {@code AdaFactor}: g² + ε₁ feeds a second moment that is factored (row and column means) for 2-D
 * tensors whose smaller side is at least {@link #factorMinDim()}; u = g / √(v + ε₁); u is divided by
 * max(1, rms(u) / {@link #clippingThreshold()}); with β₁ &gt; 0 (see {@link Optimizer#beta1()}) u is
 * averaged into m; u is scaled by max(rms(θ), ε₂) with parameter scale; θ ← θ − lr·u.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Adafactor {
  /** ε₁, added to g²; positive. */
  double epsilon1() default 1e-30;

  /** ε₂, the least parameter scale; positive. */
  double epsilon2() default 1e-3;

  /** The update-clipping threshold d; positive, or 0 for no update clipping. */
  double clippingThreshold() default 1.0;

  /** Scale each update by the parameter's rms (at least ε₂). */
  boolean parameterScale() default true;

  /** Regular expressions; parameters whose name contains a match are not scaled. */
  String[] excludeFromParameterScale() default {};

  /**
   * The relative step: lr = min(1/√t, 0.01) after t updates (× 0.05 without parameter scale) instead of
   * {@link Optimizer#learningRate()}, which must then be left unset.
   */
  boolean relativeStep() default false;

  /** The least size of the smaller side of a 2-D tensor for its second moment to be factored; ≥ 1. */
  int factorMinDim() default 128;
}
