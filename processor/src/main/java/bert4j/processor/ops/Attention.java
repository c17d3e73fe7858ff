package bert4j.processor.ops;

import bert4j.dsl.Mask;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.attention}: masked softmax(q·kᵀ·scale)·v per head, keeping the probabilities; dropout on
 * the probabilities in training (seed site {@code site}, −1 for none). Backward: one
 * {@code attentionBackward} into dq, dk, dv.
 */
public record Attention(AttentionShape shape, Mask mask, Value q, Value k, Value v, Value probs,
    Value context, float dropout, int site) implements ForwardOp {
  @Override
  public String kernel() {
    return "attention";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.EnumConst(mask), new Arg.Host("tokenIds"),
        new Arg.Host("segmentIds"), new Arg.Buf(q.buffer(), Access.READ),
        new Arg.Buf(k.buffer(), Access.READ), new Arg.Buf(v.buffer(), Access.READ),
        new Arg.Buf(probs.buffer(), Access.WRITE), new Arg.Buf(context.buffer(), Access.WRITE),
        new Arg.TrainingRate(dropout), new Arg.Seed(site));
  }

  @Override
  public Flops flops() {
    return flops(shape);
  }

  /** q·kᵀ and P·v: 2·heads·(keySize + headSize) FLOPs per token and key position. */
  static Flops flops(AttentionShape shape) {
    return new Flops(0, 2L * shape.heads() * (shape.keySize() + shape.headSize()));
  }

  @Override
  public List<Value> inputs() {
    return List.of(q, k, v);
  }

  @Override
  public List<Value> outputs() {
    return List.of(probs, context);
  }

  @Override
  public List<Buffer> saved() {
    return List.of(q.buffer(), k.buffer(), v.buffer(), probs.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dContext = gradients.of(context);
    gradients.record(new AttentionBackward(shape, mask, q.buffer(), k.buffer(), v.buffer(),
        probs.buffer(), dContext, gradients.fresh(q), gradients.fresh(k), gradients.fresh(v), dropout,
        site));
  }
}
