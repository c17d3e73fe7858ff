package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import java.util.List;

/** {@code Kernels.scale} in a scale's backward: dx = alpha·dOut, overwritten. */
public record ScaleBackward(Buffer dOut, float alpha, Buffer dx, int width) implements KernelOp {
  @Override
  public String kernel() {
    return "scale";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(dOut, Access.READ), new Arg.FloatConst(alpha),
        new Arg.Buf(dx, Access.WRITE), new Arg.Dim(Extent.TOKENS, width));
  }
}
