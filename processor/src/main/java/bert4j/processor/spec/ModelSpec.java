package bert4j.processor.spec;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Convention;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.dsl.Objective;
import bert4j.dsl.Position;
import java.util.List;

/**
 * Everything the annotations of one interface say, defaults filled and validated: the input of the
 * planner. Defaults that depend on the architecture are resolved: {@code objective} is never
 * {@code BY_MASK}, {@code position} never {@code DEFAULT}, {@code embeddingSize} is the hidden width
 * when the spec leaves it, {@code segments} is 0 for the GPT architectures (no segment embedding), and
 * {@code layerNormEps} is the architecture's when left. {@code packageName} and {@code interfaceName}
 * locate the spec; the generated class is {@code interfaceName + "Impl"} in the same package.
 */
public record ModelSpec(
    String packageName,
    String interfaceName,
    Architecture architecture,
    int layers,
    int hidden,
    int heads,
    int intermediate,
    int vocab,
    int embeddingSize,
    int maxPosition,
    int segments,
    int conditionSize,
    Position position,
    Activation activation,
    double hiddenDropout,
    double layerNormEps,
    double initializerRange,
    boolean recompute,
    Mask mask,
    double attentionDropout,
    int keySize,
    boolean attentionScale,
    Normalization normalization,
    boolean attentionBias,
    boolean talkingHeads,
    int maxRelativePosition,
    boolean pooler,
    boolean mlm,
    Objective objective,
    int classes,
    int tokenClasses,
    boolean discriminator,
    int crf,
    int memm,
    List<SpanHeadSpec> spans,
    OptimizerSpec optimizer,
    Convention convention) {

  /** Width of each head's values: hidden / heads, or T5's d_kv ({@link #keySize}). */
  public int headSize() {
    return architecture.encoderDecoder() ? keySize : hidden / heads;
  }

  /**
   * Whether the attention runs unfused (scores, normalization, context as separate kernels): where
   * an option works between them (relative positions, talking heads, a normalization other than
   * softmax).
   */
  public boolean unfusedAttention() {
    return normalization != Normalization.SOFTMAX || talkingHeads
        || position == Position.TYPICAL_RELATIVE;
  }

  /**
   * The longest sequence the model takes: {@code maxPosition}, or its square with hierarchical
   * positions (capped at 2³¹ − 1).
   */
  public int maxLength() {
    return position == Position.HIERARCHICAL
        ? (int) Math.min(Integer.MAX_VALUE, (long) maxPosition * maxPosition) : maxPosition;
  }

  /**
   * Whether the generated class decodes incrementally ({@code IncrementalLm} with a key/value cache):
   * a spec with an LM or UniLM mask (every GPT architecture has LM) and nothing in
   * {@link #decodingObstacle()}, or T5 with its LM head.
   */
  public boolean decodes() {
    return architecture.encoderDecoder() ? mlm : mask != Mask.NONE && decodingObstacle() == null;
  }

  /**
   * What keeps a spec from incremental decoding, for the processor's note; null when nothing does.
   * The cache serves the fused softmax attention with learned, rotary or no positions; it needs the
   * LM head, whose logits a step returns.
   */
  public String decodingObstacle() {
    if (!mlm) {
      return "it has no LM head to give the next token's logits (@Heads(mlm = true))";
    }
    if (position == Position.TYPICAL_RELATIVE || position == Position.HIERARCHICAL) {
      return "position=" + position + " is not supported by the key/value cache";
    }
    if (talkingHeads) {
      return "talkingHeads=true mixes the heads' scores, which the cached attention does not";
    }
    if (normalization != Normalization.SOFTMAX) {
      return "normalization=" + normalization + " is not supported by the cached attention";
    }
    if (conditionSize > 0) {
      return "conditionSize=" + conditionSize + " (conditional layer norms) is not supported by "
          + "incremental decoding";
    }
    return null;
  }

  /** The generated class's simple name. */
  public String implName() {
    return interfaceName + "Impl";
  }

  /** The interface's qualified name. */
  public String qualifiedName() {
    return packageName.isEmpty() ? interfaceName : packageName + "." + interfaceName;
  }
}
