package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.multiply}: out = a ⊙ b over token rows of {@code width} (T5 1.1's gate). Backward:
 * two more products, da = dOut ⊙ b and db = dOut ⊙ a ({@link MultiplyBackward}).
 */
public record Multiply(Value a, Value b, Value out, int width) implements ForwardOp {
  @Override
  public String kernel() {
    return "multiply";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(a.buffer(), Access.READ), new Arg.Buf(b.buffer(), Access.READ),
        new Arg.Buf(out.buffer(), Access.WRITE), new Arg.Dim(Extent.TOKENS, width));
  }

  @Override
  public Flops flops() {
    return new Flops(width, 0);
  }

  @Override
  public List<Value> inputs() {
    return List.of(a, b);
  }

  @Override
  public List<Value> outputs() {
    return List.of(out);
  }

  @Override
  public List<Buffer> saved() {
    return List.of(a.buffer(), b.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dOut = gradients.of(out);
    gradients.record(new MultiplyBackward(dOut, b.buffer(), gradients.fresh(a), width));
    gradients.record(new MultiplyBackward(dOut, a.buffer(), gradients.fresh(b), width));
  }
}
