package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The optimizer of a {@link Transformer}: a base method, its parameters, and the bert4keras extensions
 * that wrap it. bert4j compiles all of it into one fused update over the flat parameter, gradient and
 * state buffers. Without this annotation a model trains with Adam at learning rate 1e-3.
 *
 * <p>An extension is enabled by writing its attribute, e.g.
 * {@code weightDecay = @WeightDecay(rate = 0.01, exclude = {"LayerNorm", "bias"})}; the array-valued
 * attributes that stand for one extension take at most one element. The extensions compose in one
 * fixed order, innermost first (each sees the update the previous ones made):
 * <ol>
 *   <li>the gradient: accumulation's mean of {@code steps} gradients, then clipping by global norm;
 *   <li>the base rule, with the scheduled learning rate (the schedule scales the learning rate itself,
 *       so the base, weight decay and layer adaptation all see it);
 *   <li>weight decay;
 *   <li>lazy optimization (rows with an all-zero gradient drop out of the update and keep their state);
 *   <li>layer adaptation (the LAMB trust ratio of each tensor);
 *   <li>parameter-wise multipliers;
 *   <li>lookahead (after every k-th update);
 *   <li>the exponential moving average (after every update).
 * </ol>
 * Every counter (Adam's bias correction, the schedule, lookahead, EMA) counts updates, so training with
 * {@code accumulation = @Accumulation(steps = k)} on batches of b behaves like training on batches of
 * k·b (exactly so when every batch's loss averages over the same number of examples).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Optimizer {
  Method value() default Method.ADAM;

  /** Base learning rate; positive and finite. */
  double learningRate() default 1e-3;

  /**
   * β₁, in [0, 1): Adam's first-moment decay (default 0.9), Lion's interpolation (0.95), AdaFactor's
   * update momentum (0: none). SGD has none. Unset (NaN) means the method's default.
   */
  double beta1() default Double.NaN;

  /**
   * β₂, in [0, 1): Adam's second-moment decay (default 0.999), Lion's momentum (0.98), AdaFactor's
   * second-moment decay (default: the schedule 1 − t^−0.8). SGD has none. Unset (NaN) means the
   * method's default.
   */
  double beta2() default Double.NaN;

  /** Adam's ε, positive. */
  double epsilon() default 1e-6;

  /** Adam's bias correction of both moments. */
  boolean biasCorrection() default true;

  /** SGD's momentum, in [0, 1); 0 for plain SGD. */
  double momentum() default 0;

  /** SGD's Nesterov momentum; needs momentum &gt; 0. */
  boolean nesterov() default false;

  /** {@link Method#ADAFACTOR}'s settings (at most one; defaults as bert4keras). */
  Adafactor[] adafactor() default {};

  /** Decoupled weight decay (at most one). */
  WeightDecay[] weightDecay() default {};

  /** LAMB's layer adaptation (at most one). */
  LayerAdaptation[] layerAdaptation() default {};

  /**
   * A piecewise-linear learning-rate schedule, e.g.
   * {@code {@Point(step = 1000, multiplier = 1), @Point(step = 2000, multiplier = 0.1)}}: warm up from
   * 0 to the full rate over 1000 updates, then decay to 10% at 2000 and stay.
   */
  Point[] schedule() default {};

  /** Gradient accumulation (at most one). */
  Accumulation[] accumulation() default {};

  /** Lookahead (at most one). */
  Lookahead[] lookahead() default {};

  /** Lazy optimization of embedding rows (at most one). */
  Lazy[] lazy() default {};

  /** An exponential moving average of the weights, for evaluation (at most one). */
  Ema[] ema() default {};

  /** Parameter-wise learning-rate multipliers, by name substring. */
  Multiplier[] multipliers() default {};

  /** Gradient clipping by global norm (at most one). */
  ClipNorm[] clipNorm() default {};
}
