package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import java.util.List;

/** {@code Kernels.multiply} in a product's backward: dx = dOut ⊙ other, overwritten. */
public record MultiplyBackward(Buffer dOut, Buffer other, Buffer dx, int width) implements KernelOp {
  @Override
  public String kernel() {
    return "multiply";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(dOut, Access.READ), new Arg.Buf(other, Access.READ),
        new Arg.Buf(dx, Access.WRITE), new Arg.Dim(Extent.TOKENS, width));
  }
}
