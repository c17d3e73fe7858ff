package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.add}: out = x + residual, elementwise (out may share x's buffer). Backward: out's
 * gradient is the gradient of both, shared where the order of the uses allows ({@link Gradients#sum}).
 */
public record Add(Value x, Value residual, Value out) implements ForwardOp {
  @Override
  public String kernel() {
    return "add";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(x.buffer(), out.buffer().equals(x.buffer()) ? Access.UPDATE : Access.READ),
        new Arg.Buf(residual.buffer(), Access.READ), new Arg.Buf(out.buffer(), Access.WRITE),
        new Arg.Dim(x.buffer().extent(), x.buffer().width()));
  }

  @Override
  public List<Value> inputs() {
    return List.of(x, residual);
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
    gradients.passSum(out, x, residual);
  }
}
