package bert4j.processor.blocks;

import bert4j.processor.ops.Attention;
import bert4j.processor.ops.AttentionShape;
import bert4j.processor.plan.Extent;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * Multi-head self-attention of one layer (inside {@link Tape#enterLayer}): Q, K, V projections, masked
 * attention with dropout on the probabilities, the output projection and hidden dropout. Returns the
 * residual branch (before the residual sum).
 */
public final class SelfAttention {
  private SelfAttention() {}

  public static Value build(Tape tape, ModelSpec spec, Value x) {
    int h = spec.hidden();
    int qk = spec.heads() * spec.keySize();
    int v = spec.heads() * spec.headSize();
    Dense query = Dense.declare(tape, "attention.self.query", "query", qk, h);
    Dense key = Dense.declare(tape, "attention.self.key", "key", qk, h);
    Dense value = Dense.declare(tape, "attention.self.value", "value", v, h);
    Dense output = Dense.declare(tape, "attention.output.dense", "attentionOutput", h, v);

    Value q = query.apply(tape, x, "query");
    Value k = key.apply(tape, x, "key");
    Value val = value.apply(tape, x, "value");
    Value probs = tape.buffer("probs", Extent.PAIRS, spec.heads());
    Value context = tape.buffer("context", Extent.TOKENS, v);
    int site = spec.attentionDropout() > 0 ? tape.seedSite() : -1;
    float scale = spec.attentionScale() ? (float) (1 / Math.sqrt(spec.keySize())) : 1f;
    tape.record(new Attention(new AttentionShape(spec.heads(), spec.keySize(), spec.headSize(), scale),
        spec.mask(), q, k, val, probs, context, (float) spec.attentionDropout(), site));
    Value sum = output.apply(tape, context, "attentionSum");
    return HiddenDropout.apply(tape, sum, spec.hiddenDropout());
  }
}
