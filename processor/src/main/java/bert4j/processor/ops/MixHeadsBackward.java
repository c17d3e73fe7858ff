package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Parameter;
import java.util.List;

/** {@code Kernels.mixHeadsBackward}: dx from dOut, and the mixing matrix's gradient accumulated. */
public record MixHeadsBackward(AttentionShape shape, Buffer x, Parameter w, Buffer dOut, Buffer dx)
    implements KernelOp {
  @Override
  public String kernel() {
    return "mixHeadsBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(x, Access.READ), new Arg.Param(w),
        new Arg.Buf(dOut, Access.READ), new Arg.Buf(dx, Access.WRITE), new Arg.Grad(w));
  }
}
