package bert4j.processor.ops;

import bert4j.dsl.Activation;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import java.util.List;

/** {@code Kernels.activationBackward}: dPre = dOut ⊙ activation'(pre), possibly in place. */
public record ActivationBackward(Activation activation, Buffer pre, Buffer dOut, Buffer dPre,
    Extent rows, int width) implements KernelOp {
  @Override
  public String kernel() {
    return "activationBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.EnumConst(activation), new Arg.Buf(pre, Access.READ),
        new Arg.Buf(dOut, Access.READ),
        new Arg.Buf(dPre, dPre.equals(dOut) ? Access.UPDATE : Access.WRITE), new Arg.Dim(rows, width));
  }
}
