package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The optimizer of a {@link Transformer}: a base method and its parameters. bert4j compiles it into one
 * fused update over the flat parameter, gradient and state buffers. Without this annotation a model
 * trains with Adam at learning rate 1e-3.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Optimizer {
  Method value() default Method.ADAM;

  /** Base learning rate; positive. */
  double learningRate() default 1e-3;

  /** Adam's first-moment decay, in [0, 1). */
  double beta1() default 0.9;

  /** Adam's second-moment decay, in [0, 1). */
  double beta2() default 0.999;

  /** Adam's ε, positive. */
  double epsilon() default 1e-6;

  /** Adam's bias correction of both moments. */
  boolean biasCorrection() default true;

  /** SGD's momentum, in [0, 1); 0 for plain SGD. */
  double momentum() default 0;

  /** SGD's Nesterov momentum; needs momentum &gt; 0. */
  boolean nesterov() default false;
}
