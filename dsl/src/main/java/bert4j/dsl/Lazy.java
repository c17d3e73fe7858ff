package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Lazy optimization, an extension of {@link Optimizer#lazy()}: in the parameters it includes, a row (a
 * vector along the last axis: one token's embedding) whose gradient is all zero is left untouched by
 * the update, its optimizer moments included. bert4keras: {@code extend_with_lazy_optimization}
 * (which still decays the moments; bert4j does not).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Lazy {
  /**
   * Regular expressions; a parameter whose name contains a match is optimized lazily. At least one,
   * e.g. {@code "word_embeddings"}.
   */
  String[] include() default {};
}
