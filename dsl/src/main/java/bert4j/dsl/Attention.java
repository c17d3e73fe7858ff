package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The attention of every block of a {@link Transformer}: its mask and its shape. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Attention {
  Mask mask() default Mask.NONE;

  /** Dropout on the attention probabilities, in training only; in [0, 1). */
  double dropout() default 0.1;

  /**
   * Width of each head's query and key; 0 means hidden / heads. A key size other than the head size
   * is bert4keras's low-rank bottleneck: values keep hidden / heads.
   */
  int keySize() default 0;

  /** Divide attention logits by √keySize. */
  boolean scale() default true;

  /** How the masked scores become weights over the keys. */
  Normalization normalization() default Normalization.SOFTMAX;

  /** Biases on the q, k, v and output projections (RoFormer-V2 has none whatever this says). */
  boolean useBias() default true;

  /**
   * Talking-heads attention (the seed post "突破瓶颈，打造更强大的Transformer"): the heads' scores are
   * mixed by a learned {@code [heads, heads]} matrix before the normalization, and the weights by
   * another after it; both start as the identity.
   */
  boolean talkingHeads() default false;
}
