package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import java.util.List;

/** {@code Kernels.rmsNormBackward}: dH from dOut and the kept h and 1/rms; dγ accumulates. */
public record RmsNormBackward(Buffer dOut, Buffer h, Buffer rstd, Parameter gamma, Buffer dH,
    int width) implements KernelOp {
  @Override
  public String kernel() {
    return "rmsNormBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(dOut, Access.READ), new Arg.Buf(h, Access.READ),
        new Arg.Buf(rstd, Access.READ), gamma == null ? new Arg.None() : new Arg.Param(gamma),
        new Arg.Buf(dH, dH.equals(dOut) ? Access.UPDATE : Access.WRITE),
        gamma == null ? new Arg.None() : new Arg.Grad(gamma), new Arg.Dim(Extent.TOKENS, 1),
        new Arg.IntConst(width));
  }
}
