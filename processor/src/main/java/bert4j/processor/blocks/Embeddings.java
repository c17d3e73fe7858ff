package bert4j.processor.blocks;

import bert4j.processor.ops.Embedding;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/** BERT's embeddings: token + learned position + segment, layer norm, dropout. */
public final class Embeddings {
  /** The token embedding (tied to the MLM decoder) and the embeddings' output. */
  public record Result(Parameter wordEmbeddings, Value output) {}

  private Embeddings() {}

  public static Result build(Tape tape, ModelSpec spec) {
    int h = spec.hidden();
    Parameter words = tape.parameter("embeddings.word_embeddings.weight", "wordEmbeddings",
        spec.vocab(), h);
    Parameter positions = tape.parameter("embeddings.position_embeddings.weight",
        "positionEmbeddings", spec.maxPosition(), h);
    Parameter segments = tape.parameter("embeddings.token_type_embeddings.weight",
        "segmentEmbeddings", spec.segments(), h);
    Norm norm = Norm.declare(tape, "embeddings.LayerNorm", "embeddingNorm", h, spec.layerNormEps());

    Value sum = tape.buffer("embeddingSum", Extent.TOKENS, h);
    tape.comment("token + position + segment embeddings");
    tape.record(new Embedding("tokenIds", words, h, null, sum));
    Value withPositions = tape.next(sum);
    tape.record(new Embedding("positionIds", positions, h, sum, withPositions));
    Value withSegments = tape.next(sum);
    tape.record(new Embedding("segmentIds", segments, h, withPositions, withSegments));
    Value normed = norm.apply(tape, withSegments, null, "embedding", "embeddingOutput");
    return new Result(words, HiddenDropout.apply(tape, normed, spec.hiddenDropout()));
  }
}
