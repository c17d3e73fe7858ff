package bert4j.processor.blocks;

import bert4j.dsl.Architecture;
import bert4j.dsl.Position;
import bert4j.processor.ops.ConditionInput;
import bert4j.processor.ops.Embedding;
import bert4j.processor.ops.HierarchicalPositions;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * The embeddings: token + learned position (where the spec has them; hierarchically extended where
 * it says so) + segment (where it has segments), the architecture's norm (none for GPT and GPT-2), dropout, and for a factorized
 * embedding the projection to the hidden width (ALBERT's {@code embedding_hidden_mapping_in},
 * ELECTRA's and RoFormer's {@code embeddings_project}).
 */
public final class Embeddings {
  /**
   * The token embedding (tied to the LM decoder), the embeddings' output, and the condition of the
   * conditional layer norms (null without).
   */
  public record Result(Parameter wordEmbeddings, Value output, Value condition) {}

  /** bert4keras's α of hierarchical positions. */
  static final float HIERARCHICAL_ALPHA = 0.4f;

  private Embeddings() {}

  public static Result build(Tape tape, ModelSpec spec) {
    Architecture a = spec.architecture();
    int e = spec.embeddingSize();
    boolean gpt = a == Architecture.GPT;
    boolean gpt2 = a == Architecture.GPT2;
    Parameter words = tape.parameter(gpt ? "tokens_embed.weight" : gpt2 ? "wte.weight"
        : "embeddings.word_embeddings.weight", "wordEmbeddings", spec.vocab(), e);
    Value condition = null;
    if (spec.conditionSize() > 0) {
      condition = tape.buffer("condition", Extent.SEQUENCES, spec.conditionSize());
      tape.comment("the batch's conditions, for the conditional layer norms");
      tape.record(new ConditionInput(condition, spec.conditionSize()));
    }
    boolean learned = spec.position() == Position.LEARNED || spec.position() == Position.HIERARCHICAL;
    Parameter positions = !learned ? null
        : tape.parameter(gpt ? "positions_embed.weight" : gpt2 ? "wpe.weight"
            : "embeddings.position_embeddings.weight", "positionEmbeddings", spec.maxPosition(), e);
    Parameter segments = spec.segments() == 0 ? null
        : tape.parameter("embeddings.token_type_embeddings.weight", "segmentEmbeddings",
            spec.segments(), e);
    Norm norm = a.causal() ? null : a == Architecture.ROFORMER_V2
        ? Norm.parameterFree(e, spec.layerNormEps())
        : Norm.declare(tape, "embeddings.LayerNorm", "embeddingNorm", e, spec.layerNormEps(),
            condition);
    Dense projection = switch (a) {
      case ALBERT, ALBERT_UNSHARED -> Dense.declare(tape, "encoder.embedding_hidden_mapping_in",
          "embeddingMapping", spec.hidden(), e);
      case ELECTRA, ROFORMER -> e == spec.hidden() ? null
          : Dense.declare(tape, "embeddings_project", "embeddingProjection", spec.hidden(), e);
      default -> null;
    };

    Value sum = tape.buffer("embeddingSum", Extent.TOKENS, e);
    tape.comment("token" + (positions != null ? " + position" : "")
        + (segments != null ? " + segment" : "") + " embeddings");
    tape.record(new Embedding("tokenIds", words, e, null, sum));
    Value x = sum;
    if (positions != null) {
      Value next = tape.next(sum);
      if (spec.position() == Position.HIERARCHICAL) {
        tape.record(new HierarchicalPositions(positions, spec.maxPosition(), e, HIERARCHICAL_ALPHA, x,
            next));
      } else {
        tape.record(new Embedding("positionIds", positions, e, x, next));
      }
      x = next;
    }
    if (segments != null) {
      Value next = tape.next(sum);
      tape.record(new Embedding("segmentIds", segments, e, x, next));
      x = next;
    }
    if (norm != null) {
      x = norm.apply(tape, x, null, "embedding", "embeddingOutput");
    }
    x = HiddenDropout.apply(tape, x, spec.hiddenDropout());
    if (projection != null) {
      tape.comment("projection of the factorized embedding to the hidden width");
      x = projection.apply(tape, x, "embeddingProjected");
    }
    return new Result(words, x, condition);
  }
}
