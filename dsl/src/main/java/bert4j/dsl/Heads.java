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

  /**
   * A linear-chain CRF with this many tags, as bert4keras's {@code ConditionalRandomField}: a dense
   * layer on every position of the sequence output ({@code crf.dense.*}) gives the emissions (output
   * {@code crf_emissions}), and {@code crf.transitions [tags, tags]} (row: the tag before, column:
   * the tag after) scores each step; there are no start or end scores. Trained by the mean over
   * sequences of log Z − score(gold path) over each sequence's non-padding positions (token id ≠ 0),
   * with {@code Batch.tokenLabels} giving a tag in [0, tags) at every one of them; decode with
   * {@code bert4j.runtime.decode.ViterbiDecoder}. 0 for none, otherwise at least 2.
   */
  int crf() default 0;

  /**
   * A maximum-entropy Markov model with this many tags, as bert4keras's
   * {@code MaximumEntropyMarkovModel} (the seed post "CRF用过了，不妨再了解下更快的MEMM"): emissions
   * from {@code memm.dense.*} (output {@code memm_emissions}) and {@code memm.transitions
   * [tags, tags]}; each position's tag is a softmax over its emissions plus the transitions from the
   * previous gold tag (none at the first position). Trained by the mean over sequences of the summed
   * −log probability of the gold tags, with targets as {@link #crf()}'s; decode greedily or by
   * Viterbi with {@code bert4j.runtime.decode.MemmDecoder}. Unlike bert4keras's: full-rank
   * transitions only (its optional low-rank {@code hidden_dim} factorisation is not offered), the
   * forward direction only (it also averages in the reversed sequence under Tᵀ), the softmax of
   * e + T (it takes (e + T)/2), and a mean over sequences (it averages over tokens). 0 for none,
   * otherwise at least 2.
   */
  int memm() default 0;

  /**
   * Span heads ({@link SpanHead}: GlobalPointer or EfficientGlobalPointer), each with its own name,
   * parameters, output and loss; GPLinker declares three (entities, subject-object heads,
   * subject-object tails). Empty for none.
   */
  SpanHead[] spans() default {};
}
