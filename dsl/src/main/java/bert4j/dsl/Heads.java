package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The outputs a {@link Transformer} computes beyond the sequence output. Without this annotation a
 * model has the sequence output only (and cannot be trained: it has no loss).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Heads {
  /** The pooler: [CLS] → dense → tanh ({@code pooler.dense.*}). */
  boolean pooler() default false;

  /**
   * The MLM head: dense → activation → layer norm → the token embedding (tied) → bias
   * ({@code cls.predictions.*}). Its loss is the {@link #objective()}.
   */
  boolean mlm() default false;

  /**
   * The MLM head's training objective; by default the one bert4keras pairs with the attention mask:
   * masked LM with {@code Mask.NONE}, next token with {@code Mask.LM}, next target token (segment 1)
   * with {@code Mask.UNILM}.
   */
  Objective objective() default Objective.BY_MASK;

  /**
   * A sequence-classification head with this many classes ({@code classifier.*}) on the pooled output
   * (or on the [CLS] state when there is no pooler); 0 for none, otherwise at least 2.
   */
  int classes() default 0;

  /**
   * A token-classification head with this many classes ({@code token_classifier.*}: a dense layer on
   * every position of the sequence output), trained by per-token softmax cross-entropy on
   * {@code Batch.tokenLabels} (−1 = not counted); 0 for none, otherwise at least 2.
   */
  int tokenClasses() default 0;

  /**
   * ELECTRA's replaced-token discriminator ({@code discriminator_predictions.*}: dense → activation →
   * dense to one logit per token), trained by per-token sigmoid cross-entropy on
   * {@code Batch.tokenLabels}: 1 = replaced, 0 = original, −1 = not counted. ELECTRA only.
   */
  boolean discriminator() default false;
}
