package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares an interface as a Transformer model. The bert4j annotation processor checks the spec at
 * compile time and generates {@code <Interface>Impl}, a class with the forward pass, the backward pass
 * and the optimizer step of exactly this model.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Transformer {
  /** Number of Transformer blocks. */
  int layers();

  /** Width of the hidden states; must be divisible by {@link #heads()}. */
  int hidden();

  /** Number of attention heads. */
  int heads();

  /** Width of the feed-forward block. */
  int intermediate();

  /** Vocabulary size: rows of the token embedding. */
  int vocab();

  /**
   * Width of the token (and position, segment) embeddings when narrower than {@link #hidden()}:
   * ALBERT's, ELECTRA's and RoFormer's factorized embedding, projected to the hidden width by a dense
   * layer; 0 means {@code hidden}.
   */
  int embeddingSize() default 0;

  /** The longest sequence the model accepts: rows of the learned position embedding. */
  int maxPosition() default 512;

  /** Rows of the segment (token type) embedding. */
  int segments() default 2;

  Architecture architecture() default Architecture.BERT;

  Position position() default Position.DEFAULT;

  /**
   * The clip of the relative distance of {@link Position#TYPICAL_RELATIVE} positions (NEZHA's 64);
   * only for that position kind.
   */
  int maxRelativePosition() default 64;

  Activation activation() default Activation.GELU;

  /** Dropout on embeddings and on each block's residual branches, in training only; in [0, 1). */
  double hiddenDropout() default 0.1;

  /**
   * Conditional layer norm (bert4keras's {@code layer_norm_cond}): every layer norm's γ and β each get
   * + Dense(condition), zero-initialised so the model starts as the plain one; the condition is a
   * vector of this width per sequence ({@code Batch.conditions}). 0: plain layer norms.
   */
  int conditionSize() default 0;

  /** Epsilon of every layer norm; 0 means the architecture's ({@link Architecture#defaultLayerNormEps()}). */
  double layerNormEps() default 0;

  /** Standard deviation of the truncated-normal initialisation of weight matrices. */
  double initializerRange() default 0.02;

  /**
   * Where bert4keras computes an architecture differently from Hugging Face, whose computation this
   * spec follows: {@link Convention#HUGGING_FACE} (the default, so Hugging Face checkpoints give
   * Hugging Face's numbers) or {@link Convention#BERT4KERAS}. Only T5 has such differences.
   */
  Convention convention() default Convention.HUGGING_FACE;

  /**
   * Recompute (bert4keras's {@code recompute}, gradient checkpointing): keep only each block's input
   * through the forward pass and replay the block's forward inside the backward. Far less activation
   * memory for about a third more time per training step; gradients are bit-identical.
   */
  boolean recompute() default false;
}
