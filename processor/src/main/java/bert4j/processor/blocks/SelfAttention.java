package bert4j.processor.blocks;

import bert4j.dsl.Position;
import bert4j.processor.ops.Attention;
import bert4j.processor.ops.AttentionShape;
import bert4j.processor.ops.Rotary;
import bert4j.processor.plan.Extent;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * Multi-head self-attention of one layer (inside {@link Tape#enterLayer}): Q, K, V projections, the
 * rotary position embedding on q and k where the spec has it, masked attention with dropout on the
 * probabilities, the output projection and hidden dropout. Returns the residual branch (before the
 * residual sum).
 */
final class SelfAttention {
  private SelfAttention() {}

  static Value apply(Tape tape, ModelSpec spec, LayerWeights w, Value x) {
    int v = spec.heads() * spec.headSize();
    Value q = w.query().apply(tape, x, "query");
    Value k = w.key().apply(tape, x, "key");
    Value val = w.value().apply(tape, x, "value");
    if (spec.position() == Position.ROTARY) {
      tape.comment("rotary position embedding on q and k");
      Value turnedQ = tape.next(q);
      tape.record(new Rotary(q, turnedQ, spec.heads(), spec.keySize()));
      Value turnedK = tape.next(k);
      tape.record(new Rotary(k, turnedK, spec.heads(), spec.keySize()));
      q = turnedQ;
      k = turnedK;
    }
    Value probs = tape.buffer("probs", Extent.PAIRS, spec.heads());
    Value context = tape.buffer("context", Extent.TOKENS, v);
    int site = spec.attentionDropout() > 0 ? tape.seedSite() : -1;
    float scale = spec.attentionScale() ? (float) (1 / Math.sqrt(spec.keySize())) : 1f;
    tape.record(new Attention(new AttentionShape(spec.heads(), spec.keySize(), spec.headSize(), scale),
        spec.mask(), q, k, val, probs, context, (float) spec.attentionDropout(), site));
    Value sum = w.attentionOutput().apply(tape, context, "attentionSum");
    return HiddenDropout.apply(tape, sum, spec.hiddenDropout());
  }
}
