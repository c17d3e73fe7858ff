package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.relativeContext}: NEZHA's A·R term added to the attention's output in place
 * ({@code out} is the context's next value). Backward: the context's gradient passes through; dProbs
 * gains the term's part.
 */
public record RelativeContext(AttentionShape shape, Value probs, int maxRelative, Value context,
    Value out) implements ForwardOp {
  @Override
  public String kernel() {
    return "relativeContext";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(probs.buffer(), Access.READ),
        new Arg.IntConst(maxRelative), new Arg.Buf(context.buffer(), Access.UPDATE));
  }

  @Override
  public Flops flops() {
    return new Flops(0, 2L * shape.heads() * shape.headSize());
  }

  @Override
  public List<Value> inputs() {
    return List.of(probs, context);
  }

  @Override
  public List<Value> outputs() {
    return List.of(out);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dContext = gradients.of(out);
    gradients.share(out, context);
    Gradients.Target dProbs = gradients.target(probs, true, true);
    if (dProbs != null) {
      gradients.record(new RelativeContextBackward(shape, dContext, maxRelative, dProbs.buffer()));
    }
  }
}
