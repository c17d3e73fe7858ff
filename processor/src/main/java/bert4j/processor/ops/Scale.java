package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.scale}: out = alpha·x over token rows of {@code width} (T5's decoder output before
 * the LM head). Backward: the same scale on the gradient ({@link ScaleBackward}).
 */
public record Scale(Value x, float alpha, Value out, int width) implements ForwardOp {
  @Override
  public String kernel() {
    return "scale";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(x.buffer(), Access.READ), new Arg.FloatConst(alpha),
        new Arg.Buf(out.buffer(), Access.WRITE), new Arg.Dim(Extent.TOKENS, width));
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
    Gradients.Target dx = gradients.target(x, false, false);
    if (dx != null) {
      gradients.record(new ScaleBackward(dOut, alpha, dx.buffer(), width));
    }
  }
}
