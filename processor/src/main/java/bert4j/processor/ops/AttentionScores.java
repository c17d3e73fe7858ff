package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.attentionScores}: the unfused attention's logits scale·q·kᵀ per head, for attention
 * options that work on them (relative positions, talking heads, other normalizations). Backward:
 * {@code attentionScoresBackward} into dq and dk.
 */
public record AttentionScores(AttentionShape shape, Value q, Value k, Value scores)
    implements ForwardOp {
  @Override
  public String kernel() {
    return "attentionScores";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(q.buffer(), Access.READ),
        new Arg.Buf(k.buffer(), Access.READ), new Arg.Buf(scores.buffer(), Access.WRITE));
  }

  @Override
  public Flops flops() {
    return new Flops(0, 2L * shape.heads() * shape.keySize());
  }

  @Override
  public List<Value> inputs() {
    return List.of(q, k);
  }

  @Override
  public List<Value> outputs() {
    return List.of(scores);
  }

  @Override
  public List<Buffer> saved() {
    return List.of(q.buffer(), k.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    gradients.record(new AttentionScoresBackward(shape, q.buffer(), k.buffer(), gradients.of(scores),
        gradients.fresh(q), gradients.fresh(k)));
  }
}
