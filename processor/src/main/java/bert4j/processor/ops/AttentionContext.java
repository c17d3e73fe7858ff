package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.attentionContext}: the unfused attention's output, the probabilities times v per
 * head. Backward: {@code attentionContextBackward} into dProbs and dv.
 */
public record AttentionContext(AttentionShape shape, Value probs, Value v, Value context)
    implements ForwardOp {
  @Override
  public String kernel() {
    return "attentionContext";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(probs.buffer(), Access.READ),
        new Arg.Buf(v.buffer(), Access.READ), new Arg.Buf(context.buffer(), Access.WRITE));
  }

  @Override
  public Flops flops() {
    return new Flops(0, 2L * shape.heads() * shape.headSize());
  }

  @Override
  public List<Value> inputs() {
    return List.of(probs, v);
  }

  @Override
  public List<Value> outputs() {
    return List.of(context);
  }

  @Override
  public List<Buffer> saved() {
    return List.of(probs.buffer(), v.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    gradients.record(new AttentionContextBackward(shape, probs.buffer(), v.buffer(),
        gradients.of(context), gradients.fresh(probs), gradients.fresh(v)));
  }
}
