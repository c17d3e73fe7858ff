package bert4j.processor.blocks;

import bert4j.dsl.Position;
import bert4j.processor.ops.Attention;
import bert4j.processor.ops.AttentionContext;
import bert4j.processor.ops.AttentionNormalize;
import bert4j.processor.ops.AttentionScores;
import bert4j.processor.ops.AttentionShape;
import bert4j.processor.ops.CachedAttention;
import bert4j.processor.ops.MixHeads;
import bert4j.processor.ops.ProbsDropout;
import bert4j.processor.ops.RelativeContext;
import bert4j.processor.ops.RelativeScores;
import bert4j.processor.ops.Rotary;
import bert4j.processor.ops.RotaryAt;
import bert4j.processor.ops.StackedAttention;
import bert4j.processor.plan.Extent;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * Multi-head self-attention of one layer (inside {@link Tape#enterLayer}): Q, K, V projections (one
 * product; plain softmax attention reads q, k and v from it in place, the other paths have its
 * columns copied out first), the
 * rotary position embedding on q and k where the spec has it, masked attention with dropout on the
 * probabilities, the output projection and hidden dropout. Returns the residual branch (before the
 * residual sum). Plain softmax attention is one fused kernel; the attention options (NEZHA's relative
 * positions, talking heads, another normalization) run unfused: scores, [relative term], [mix],
 * normalization, [mix], dropout, context, [relative term]. On a decoding tape the rotary embedding
 * turns each row by its position after the cached ones, and the attention runs against the layer's
 * key/value cache ({@link CachedAttention}).
 */
final class SelfAttention {
  private SelfAttention() {}

  static Value apply(Tape tape, ModelSpec spec, LayerWeights w, Value x) {
    float scale = spec.attentionScale() ? (float) (1 / Math.sqrt(spec.keySize())) : 1f;
    AttentionShape shape = new AttentionShape(spec.heads(), spec.keySize(), spec.headSize(), scale);
    if (!tape.decoding() && !spec.unfusedAttention() && spec.position() != Position.ROTARY) {
      Value qkv = w.qkv().product(tape, x, "qkv");
      int site = spec.attentionDropout() > 0 ? tape.seedSite() : -1;
      return output(tape, spec, w, stacked(tape, spec, shape, qkv, site));
    }
    List<Value> qkv = w.qkv().apply(tape, x, "qkv", "query", "key", "value");
    Value q = qkv.get(0);
    Value k = qkv.get(1);
    Value val = qkv.get(2);
    if (spec.position() == Position.ROTARY) {
      tape.comment("rotary position embedding on q and k");
      Value turnedQ = tape.next(q);
      Value turnedK = tape.next(k);
      if (tape.decoding()) {
        tape.record(new RotaryAt(q, turnedQ, spec.heads(), spec.keySize()));
        tape.record(new RotaryAt(k, turnedK, spec.heads(), spec.keySize()));
      } else {
        tape.record(new Rotary(q, turnedQ, spec.heads(), spec.keySize()));
        tape.record(new Rotary(k, turnedK, spec.heads(), spec.keySize()));
      }
      q = turnedQ;
      k = turnedK;
    }
    int site = spec.attentionDropout() > 0 ? tape.seedSite() : -1;
    Value context = tape.decoding() ? cached(tape, spec, shape, q, k, val)
        : spec.unfusedAttention() ? unfused(tape, spec, w, shape, q, k, val, site)
        : fused(tape, spec, shape, q, k, val, site);
    return output(tape, spec, w, context);
  }

  /** The output projection of the context, then hidden dropout. */
  private static Value output(Tape tape, ModelSpec spec, LayerWeights w, Value context) {
    Value sum = w.attentionOutput().apply(tape, context, "attentionSum");
    return HiddenDropout.apply(tape, sum, spec.hiddenDropout());
  }

  /** The fused kernel on q, k and v read in place from the stacked product. */
  private static Value stacked(Tape tape, ModelSpec spec, AttentionShape shape, Value qkv,
      int site) {
    Value probs = tape.buffer("probs", Extent.PAIRS, spec.heads());
    Value context = tape.buffer("context", Extent.TOKENS, spec.heads() * spec.headSize());
    tape.record(new StackedAttention(shape, spec.mask(), qkv, probs, context,
        (float) spec.attentionDropout(), site));
    return context;
  }

  private static Value fused(Tape tape, ModelSpec spec, AttentionShape shape, Value q, Value k,
      Value v, int site) {
    Value probs = tape.buffer("probs", Extent.PAIRS, spec.heads());
    Value context = tape.buffer("context", Extent.TOKENS, spec.heads() * spec.headSize());
    tape.record(new Attention(shape, spec.mask(), q, k, v, probs, context,
        (float) spec.attentionDropout(), site));
    return context;
  }

  private static Value cached(Tape tape, ModelSpec spec, AttentionShape shape, Value q, Value k,
      Value v) {
    tape.comment("attention against the key/value cache (the new k and v appended first)");
    Value context = tape.buffer("context", Extent.TOKENS, spec.heads() * spec.headSize());
    tape.record(new CachedAttention(shape, spec.mask(), q, k, v, context));
    return context;
  }

  private static Value unfused(Tape tape, ModelSpec spec, LayerWeights w, AttentionShape shape,
      Value q, Value k, Value v, int site) {
    boolean relative = spec.position() == Position.TYPICAL_RELATIVE;
    int heads = spec.heads();
    tape.comment("attention scores" + (relative ? " + relative positions (q·R)" : ""));
    Value scores = tape.buffer("scores", Extent.PAIRS, heads);
    tape.record(new AttentionScores(shape, q, k, scores));
    if (relative) {
      Value withPositions = tape.next(scores);
      tape.record(new RelativeScores(shape, q, spec.maxRelativePosition(), scores, withPositions));
      scores = withPositions;
    }
    if (w.talkingPre() != null) {
      tape.comment("talking heads: mix the heads' scores");
      Value mixed = tape.buffer("mixedScores", Extent.PAIRS, heads);
      tape.record(new MixHeads(shape, scores, w.talkingPre(), mixed));
      scores = mixed;
    }
    tape.comment("mask and " + spec.normalization().name().toLowerCase().replace('_', ' '));
    Value probs = tape.buffer("probs", Extent.PAIRS, heads);
    tape.record(new AttentionNormalize(shape, spec.mask(), spec.normalization(), scores, probs));
    if (w.talkingPost() != null) {
      tape.comment("talking heads: mix the heads' weights");
      Value mixed = tape.buffer("mixedProbs", Extent.PAIRS, heads);
      tape.record(new MixHeads(shape, probs, w.talkingPost(), mixed));
      probs = mixed;
    }
    if (site >= 0) {
      Value dropped = tape.buffer("droppedProbs", Extent.PAIRS, heads);
      tape.record(new ProbsDropout(probs, dropped, (float) spec.attentionDropout(), site));
      probs = dropped;
    }
    tape.comment("weighted values" + (relative ? " + relative positions (A·R)" : ""));
    Value context = tape.buffer("context", Extent.TOKENS, heads * spec.headSize());
    tape.record(new AttentionContext(shape, probs, v, context));
    if (relative) {
      Value withPositions = tape.next(context);
      tape.record(new RelativeContext(shape, probs, spec.maxRelativePosition(), context,
          withPositions));
      context = withPositions;
    }
    return context;
  }
}
