package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.rotary}: RoFormer's rotary position embedding, in place on the q or k of every head
 * ({@code out} is x's next value). Backward: the inverse rotation of the gradient, in place where the
 * gradient allows.
 */
public record Rotary(Value x, Value out, int heads, int size) implements ForwardOp {
  @Override
  public String kernel() {
    return "rotary";
  }

  @Override
  public List<Arg> args() {
    return args(x.buffer(), false, heads, size);
  }

  static List<Arg> args(Buffer x, boolean inverse, int heads, int size) {
    return List.of(new Arg.Buf(x, Access.UPDATE), new Arg.Batch(), new Arg.SeqLength(),
        new Arg.IntConst(heads), new Arg.IntConst(size), new Arg.BoolConst(inverse));
  }

  @Override
  public List<Value> inputs() {
    return List.of(x);
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
    Buffer dOut = gradients.of(out);
    Buffer dx = gradients.inPlace(out, x);
    if (!dx.equals(dOut)) {
      throw new IllegalStateException("the rotary backward turns the gradient in place, but "
          + x.buffer().id() + "'s gradient cannot share " + dOut.id());
    }
    gradients.record(new RotaryBackward(dx, heads, size));
  }
}
