package bert4j.processor.blocks;

import bert4j.dsl.Architecture;
import bert4j.dsl.Convention;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.processor.heads.DecodeHead;
import bert4j.processor.ops.Add;
import bert4j.processor.ops.AttentionContext;
import bert4j.processor.ops.AttentionNormalize;
import bert4j.processor.ops.AttentionScores;
import bert4j.processor.ops.AttentionShape;
import bert4j.processor.ops.DecoderAttention;
import bert4j.processor.ops.Embedding;
import bert4j.processor.ops.Multiply;
import bert4j.processor.ops.ProbsDropout;
import bert4j.processor.ops.RelativePositionBias;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * T5's encoder and decoder, written forward only with Hugging Face's names. Both stacks read the
 * shared token embedding and run pre-norm blocks, x = x + dropout(block(rmsNorm(x))), closed by a
 * final RMS norm and dropout; attention has no biases and no 1/√d scaling, and each stack's first
 * layer's relative position table biases the self-attention of all its layers (bidirectional buckets
 * in the encoder, causal in the decoder). A decoder layer attends causally to the decoder rows
 * (its keys never masked as padding: the start token is id 0), then to the encoder output with the
 * encoder's padding masked, then feeds forward. The encoder's layers are the generated
 * {@code Layer}s; the decoder's are recorded outside them, each buffer and parameter field named
 * after its layer ({@code decoder0Query}, ...). The encoder and the decoder share one sequence
 * length: the runtime pads the shorter.
 */
public final class T5 {
  /** Hugging Face's {@code relative_attention_num_buckets}. */
  static final int BUCKETS = 32;
  /** Hugging Face's {@code relative_attention_max_distance}. */
  static final int MAX_DISTANCE = 128;

  /**
   * The shared token embedding, the encoder's output and the decoder's, and what incremental
   * decoding caches from the forward pass: per decoder layer its self-attention key and value and
   * its cross-attention key and value.
   */
  public record Result(Parameter shared, Value encoderOutput, Value decoderOutput,
      List<Value> caches) {}

  private T5() {}

  public static Result build(Tape tape, ModelSpec spec) {
    int h = spec.hidden();
    Parameter shared = tape.parameter("shared.weight", "sharedEmbedding", spec.vocab(), h);
    Parameter encoderTable = tape.parameter(
        "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
        "encoderRelativeBias", BUCKETS, spec.heads());
    Value x = tape.buffer("encoderEmbedded", Extent.TOKENS, h);
    tape.comment("encoder: the shared token embedding of the input ids");
    tape.record(new Embedding("tokenIds", shared, h, null, x));
    x = HiddenDropout.apply(tape, x, spec.hiddenDropout());
    for (int l = 0; l < spec.layers(); l++) {
      tape.enterLayer(l, "encoder.block." + l + ".", x);
      x = encoderLayer(tape, spec, encoderTable, x);
      tape.exitLayer();
    }
    Norm encoderNorm = Norm.rms(tape, "encoder.final_layer_norm", "encoderFinalNorm", h,
        spec.layerNormEps());
    tape.comment("encoder: final norm");
    Value encoded = HiddenDropout.apply(tape,
        encoderNorm.apply(tape, x, null, "encoderFinal", "encoderOutput"), spec.hiddenDropout());

    Parameter decoderTable = tape.parameter(
        "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
        "decoderRelativeBias", BUCKETS, spec.heads());
    Value y = tape.buffer("decoderEmbedded", Extent.TOKENS, h);
    tape.comment("decoder: the shared token embedding of the decoder ids");
    tape.record(new Embedding("decoderIds", shared, h, null, y));
    y = HiddenDropout.apply(tape, y, spec.hiddenDropout());
    List<Value> caches = new ArrayList<>();
    for (int l = 0; l < spec.layers(); l++) {
      y = decoderLayer(tape, spec, l, decoderTable, y, encoded, caches);
    }
    Norm decoderNorm = Norm.rms(tape, "decoder.final_layer_norm", "decoderFinalNorm", h,
        spec.layerNormEps());
    tape.comment("decoder: final norm");
    Value decoded = HiddenDropout.apply(tape,
        decoderNorm.apply(tape, y, null, "decoderFinal", "decoderOutput"), spec.hiddenDropout());
    return new Result(shared, encoded, decoded, List.copyOf(caches));
  }

  /**
   * The decoder on a decoding tape: the new rows' embeddings, each layer's attention against its
   * cache (layer l's self keys and values in cache layer l, its cross keys and values in cache layer
   * layers + l), the final norm and the LM head on every new row. Returns the logits.
   */
  public static Value buildDecoding(Tape tape, ModelSpec spec) {
    int h = spec.hidden();
    Parameter shared = tape.parameter("shared.weight", "sharedEmbedding", spec.vocab(), h);
    Parameter table = tape.parameter(
        "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
        "decoderRelativeBias", BUCKETS, spec.heads());
    Value y = tape.buffer("decoderEmbedded", Extent.TOKENS, h);
    tape.comment("decoder: the shared token embedding of the new tokens");
    tape.record(new Embedding("tokenIds", shared, h, null, y));
    for (int l = 0; l < spec.layers(); l++) {
      Names n = new Names("decoder.block." + l + ".", "decoder" + l);
      double eps = spec.layerNormEps();
      Norm selfNorm = Norm.rms(tape, n.name("layer.0.layer_norm"), n.field("attentionNorm"), h, eps);
      tape.comment("decoder layer " + l + ": norm → self-attention against the cache");
      Norm.Applied in = selfNorm.applyKeepingSum(tape, y, null, n.field("attention"),
          n.field("attentionNormed"));
      Value attended = cachedAttention(tape, spec, n.in("layer.0.SelfAttention."), in.out(), table,
          l);
      Norm crossNorm = Norm.rms(tape, n.name("layer.1.layer_norm"), n.field("crossNorm"), h, eps);
      tape.comment("decoder layer " + l + ": residual + norm → attention over the cached encoder "
          + "keys and values");
      Norm.Applied crossIn = crossNorm.applyKeepingSum(tape, attended, in.sum(), n.field("cross"),
          n.field("crossNormed"));
      Value crossed = cachedAttention(tape, spec, n.in("layer.1.EncDecAttention.", "cross"),
          crossIn.out(), spec.convention() == Convention.BERT4KERAS ? table : null,
          spec.layers() + l);
      Norm ffnNorm = Norm.rms(tape, n.name("layer.2.layer_norm"), n.field("outputNorm"), h, eps);
      tape.comment("decoder layer " + l + ": residual + norm → feed-forward");
      Norm.Applied fedIn = ffnNorm.applyKeepingSum(tape, crossed, crossIn.sum(), n.field("output"),
          n.field("outputNormed"));
      Value fed = feedForward(tape, spec, n.in("layer.2.DenseReluDense."), fedIn.out());
      y = tape.next(fed);
      tape.record(new Add(fed, fedIn.sum(), y));
    }
    Norm decoderNorm = Norm.rms(tape, "decoder.final_layer_norm", "decoderFinalNorm", h,
        spec.layerNormEps());
    tape.comment("decoder: final norm");
    Value decoded = decoderNorm.apply(tape, y, null, "decoderFinal", "decoderOutput");
    return DecodeHead.logitsOfRows(tape, spec, decoded, shared);
  }

  /**
   * Attention of the new rows against cache layer {@code cacheLayer}: self-attention (the new keys
   * and values appended, causal, biased by {@code table}) when it is below the layer count,
   * cross-attention over the cached encoder rows (biased only when {@code table} is given) otherwise.
   */
  private static Value cachedAttention(Tape tape, ModelSpec spec, Names n, Value queries,
      Parameter table, int cacheLayer) {
    int h = spec.hidden();
    int inner = spec.heads() * spec.keySize();
    boolean self = cacheLayer < spec.layers();
    Dense q = Dense.declare(tape, n.name("q"), n.field("query"), inner, h, false);
    Dense k = self ? Dense.declare(tape, n.name("k"), n.field("key"), inner, h, false) : null;
    Dense v = self ? Dense.declare(tape, n.name("v"), n.field("value"), inner, h, false) : null;
    Dense o = Dense.declare(tape, n.name("o"), n.field("attentionOutput"), h, inner, false);
    Value qs = q.apply(tape, queries, n.field("query"));
    Value ks = self ? k.apply(tape, queries, n.field("key")) : null;
    Value vs = self ? v.apply(tape, queries, n.field("value")) : null;
    AttentionShape shape = new AttentionShape(spec.heads(), spec.keySize(), spec.keySize(), 1f);
    Value context = tape.buffer(n.field("context"), Extent.TOKENS, inner);
    tape.record(new DecoderAttention(shape, cacheLayer, table, BUCKETS, MAX_DISTANCE, qs, ks, vs,
        context));
    return o.apply(tape, context, n.field("attentionSum"));
  }

  /** One encoder layer, in the tape's open layer scope. */
  private static Value encoderLayer(Tape tape, ModelSpec spec, Parameter table, Value x) {
    Names n = new Names("", "");
    Norm attentionNorm = Norm.rms(tape, "layer.0.layer_norm", "attentionNorm", spec.hidden(),
        spec.layerNormEps());
    tape.comment("norm → self-attention with the relative position bias");
    Norm.Applied in = attentionNorm.applyKeepingSum(tape, x, null, "attention", "attentionNormed");
    Value attended = attention(tape, spec, n.in("layer.0.SelfAttention."), in.out(), in.out(),
        table, true, Mask.NONE, "tokenIds", null);
    Norm ffnNorm = Norm.rms(tape, "layer.1.layer_norm", "outputNorm", spec.hidden(),
        spec.layerNormEps());
    tape.comment("residual (into attentionSum) + norm → feed-forward");
    Norm.Applied fedIn = ffnNorm.applyKeepingSum(tape, attended, in.sum(), "output",
        "outputNormed");
    Value fed = feedForward(tape, spec, n.in("layer.1.DenseReluDense."), fedIn.out());
    tape.comment("residual (into outputSum)");
    Value out = tape.next(fed);
    tape.record(new Add(fed, fedIn.sum(), out));
    return out;
  }

  /** Decoder layer {@code l}, outside the layer scopes. */
  private static Value decoderLayer(Tape tape, ModelSpec spec, int l, Parameter table, Value y,
      Value encoded, List<Value> caches) {
    Names n = new Names("decoder.block." + l + ".", "decoder" + l);
    int h = spec.hidden();
    double eps = spec.layerNormEps();
    Norm selfNorm = Norm.rms(tape, n.name("layer.0.layer_norm"), n.field("attentionNorm"), h, eps);
    tape.comment("decoder layer " + l + ": norm → causal self-attention with the relative bias");
    Norm.Applied in = selfNorm.applyKeepingSum(tape, y, null, n.field("attention"),
        n.field("attentionNormed"));
    Value attended = attention(tape, spec, n.in("layer.0.SelfAttention."), in.out(), in.out(),
        table, false, Mask.LM, "decoderKeyIds", caches);
    Norm crossNorm = Norm.rms(tape, n.name("layer.1.layer_norm"), n.field("crossNorm"), h, eps);
    tape.comment("decoder layer " + l + ": residual + norm → attention over the encoder output");
    Norm.Applied crossIn = crossNorm.applyKeepingSum(tape, attended, in.sum(), n.field("cross"),
        n.field("crossNormed"));
    boolean crossBias = spec.convention() == Convention.BERT4KERAS;
    Value crossed = attention(tape, spec, n.in("layer.1.EncDecAttention.", "cross"), crossIn.out(),
        encoded, crossBias ? table : null, false, Mask.NONE, "tokenIds", caches);
    Norm ffnNorm = Norm.rms(tape, n.name("layer.2.layer_norm"), n.field("outputNorm"), h, eps);
    tape.comment("decoder layer " + l + ": residual + norm → feed-forward");
    Norm.Applied fedIn = ffnNorm.applyKeepingSum(tape, crossed, crossIn.sum(), n.field("output"),
        n.field("outputNormed"));
    Value fed = feedForward(tape, spec, n.in("layer.2.DenseReluDense."), fedIn.out());
    Value out = tape.next(fed);
    tape.record(new Add(fed, fedIn.sum(), out));
    return out;
  }

  /**
   * Attention of {@code queries} over {@code keys} (the same rows for self-attention): projections
   * q, k, v, o without biases, unscaled scores, the relative bias from {@code table} unless it is
   * null, the mask (padding keys read from the host array {@code keyIds}), softmax, dropout on the
   * probabilities, the context and the output projection, and hidden dropout. The key and value
   * projections are appended to {@code keptKeysValues} unless it is null.
   */
  private static Value attention(Tape tape, ModelSpec spec, Names n, Value queries, Value keys,
      Parameter table, boolean bidirectional, Mask mask, String keyIds,
      List<Value> keptKeysValues) {
    int h = spec.hidden();
    int heads = spec.heads();
    int inner = heads * spec.keySize();
    Dense q = Dense.declare(tape, n.name("q"), n.field("query"), inner, h, false);
    Dense k = Dense.declare(tape, n.name("k"), n.field("key"), inner, h, false);
    Dense v = Dense.declare(tape, n.name("v"), n.field("value"), inner, h, false);
    Dense o = Dense.declare(tape, n.name("o"), n.field("attentionOutput"), h, inner, false);
    Value qs = q.apply(tape, queries, n.field("query"));
    Value ks = k.apply(tape, keys, n.field("key"));
    Value vs = v.apply(tape, keys, n.field("value"));
    if (keptKeysValues != null) {
      keptKeysValues.add(ks);
      keptKeysValues.add(vs);
    }
    AttentionShape shape = new AttentionShape(heads, spec.keySize(), spec.keySize(), 1f);
    Value scores = tape.buffer(n.field("scores"), Extent.PAIRS, heads);
    tape.record(new AttentionScores(shape, qs, ks, scores));
    if (table != null) {
      Value biased = tape.next(scores);
      tape.record(new RelativePositionBias(shape, table, BUCKETS, MAX_DISTANCE, bidirectional,
          scores, biased));
      scores = biased;
    }
    Value probs = tape.buffer(n.field("probs"), Extent.PAIRS, heads);
    tape.record(new AttentionNormalize(shape, mask, Normalization.SOFTMAX, keyIds, scores, probs));
    if (spec.attentionDropout() > 0) {
      Value dropped = tape.buffer(n.field("droppedProbs"), Extent.PAIRS, heads);
      tape.record(new ProbsDropout(probs, dropped, (float) spec.attentionDropout(),
          tape.seedSite()));
      probs = dropped;
    }
    Value context = tape.buffer(n.field("context"), Extent.TOKENS, inner);
    tape.record(new AttentionContext(shape, probs, vs, context));
    Value out = o.apply(tape, context, n.field("attentionSum"));
    return HiddenDropout.apply(tape, out, spec.hiddenDropout());
  }

  /**
   * The feed-forward block: T5 1.0's wi → activation → dropout → wo, or T5 1.1's gated
   * activation(wi_0) ⊙ wi_1 → dropout → wo; hidden dropout on the branch.
   */
  private static Value feedForward(Tape tape, ModelSpec spec, Names n, Value x) {
    int h = spec.hidden();
    int f = spec.intermediate();
    Value hidden;
    Dense wo;
    if (spec.architecture() == Architecture.T5_1_1) {
      Dense gate = Dense.declare(tape, n.name("wi_0"), n.field("gate"), f, h, false);
      Dense linear = Dense.declare(tape, n.name("wi_1"), n.field("intermediate"), f, h, false);
      wo = Dense.declare(tape, n.name("wo"), n.field("output"), h, f, false);
      Value gated = gate.apply(tape, x, spec.activation(), n.field("gatePre"), n.field("gated"));
      Value lifted = linear.apply(tape, x, n.field("intermediate"));
      hidden = tape.buffer(n.field("gatedProduct"), Extent.TOKENS, f);
      tape.record(new Multiply(gated, lifted, hidden, f));
    } else {
      Dense wi = Dense.declare(tape, n.name("wi"), n.field("intermediate"), f, h, false);
      wo = Dense.declare(tape, n.name("wo"), n.field("output"), h, f, false);
      hidden = wi.apply(tape, x, spec.activation(), n.field("intermediatePre"),
          n.field("intermediate"));
    }
    hidden = HiddenDropout.apply(tape, hidden, spec.hiddenDropout());
    Value out = wo.apply(tape, hidden, n.field("outputSum"));
    return HiddenDropout.apply(tape, out, spec.hiddenDropout());
  }

  /**
   * Names in one layer: parameters under {@code prefix} (empty inside a layer scope, whose prefix
   * the tape adds), fields and buffers after {@code fieldPrefix} ({@code decoder0Query}).
   */
  private record Names(String prefix, String fieldPrefix) {
    Names in(String more) {
      return new Names(prefix + more, fieldPrefix);
    }

    /** Further in, the fields after {@code more} too ({@code decoder0Cross...}). */
    Names in(String more, String fieldMore) {
      return new Names(prefix + more, field(fieldMore));
    }

    String name(String local) {
      return prefix + local;
    }

    String field(String base) {
      return fieldPrefix.isEmpty() ? base
          : fieldPrefix + Character.toUpperCase(base.charAt(0)) + base.substring(1);
    }
  }
}
