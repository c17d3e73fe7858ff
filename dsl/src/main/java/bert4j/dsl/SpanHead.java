package bert4j.dsl;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One span head of {@link Heads#spans()}: bert4keras's {@code GlobalPointer(heads = types,
 * head_size = headSize, RoPE = rope, use_bias = useBias, tril_mask = tril)}, or with
 * {@code efficient} its {@code EfficientGlobalPointer}. It scores every span (start i, end j) of
 * every type t of each sequence: output {@code <name>_scores} {@code [batch, types, seq, seq]},
 * decoded with {@code bert4j.runtime.decode.SpanDecoder}.
 *
 * <p>GlobalPointer: {@code <name>.dense} ({@code [2·types·headSize, hidden]}, rows type by type: the
 * queries of all types, then the keys; bert4keras interleaves each type's q and k, a permutation of
 * the same rows) gives q, k per type; s = q·k / √headSize, with RoPE on q and k when {@code rope}.
 * EfficientGlobalPointer: {@code <name>.dense} ({@code [2·headSize, hidden]}: q rows, then k rows)
 * gives one q·k / √headSize grid for every type, and {@code <name>.type_dense}
 * ({@code [2·types, 2·headSize]}, on the un-rotated [q, k]) adds (b[j][2t] + b[i][2t + 1]) / 2 per
 * type. Either way a span with padding at either end (token id 0) or, with {@code tril}, ending
 * before it starts scores −1e12 ({@code Kernels.MASKED_SPAN}).
 *
 * <p>Trained by bert4keras's multilabel categorical cross-entropy on each (sequence, type)'s seq²
 * scores against the target spans ({@code Batch.withSpans}): log(1 + Σ_non-targets e^s) +
 * log(1 + Σ_targets e^−s), summed over the types and averaged over the sequences, as GPLinker's
 * {@code globalpointer_crossentropy} (the NER example's {@code global_pointer_crossentropy} averages
 * over the types too: divide the learning rate by {@code types} to match it).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface SpanHead {
  /**
   * The head's name: its parameters' prefix, its output {@code <name>_scores} and its key in
   * {@code Batch.withSpans}; a Java identifier, distinct among the spec's span heads.
   */
  String name();

  /** The span types (bert4keras's {@code heads}): at least 1. */
  int types();

  /** The width of q and k (bert4keras's {@code head_size}): at least 1, even with {@code rope}. */
  int headSize() default 64;

  /** RoFormer's rotary position embedding on q and k (bert4keras's {@code RoPE}). */
  boolean rope() default true;

  /** Mask the spans that end before they start (bert4keras's {@code tril_mask}). */
  boolean tril() default true;

  /** Bias terms in the dense layers (bert4keras's {@code use_bias}). */
  boolean useBias() default true;

  /** bert4keras's {@code EfficientGlobalPointer} instead of {@code GlobalPointer}. */
  boolean efficient() default false;
}
