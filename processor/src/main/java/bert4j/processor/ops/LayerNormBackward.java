package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import java.util.List;

/** {@code Kernels.layerNormBackward}: dH from dOut and the kept h, mean, 1/std; dγ and dβ accumulate. */
public record LayerNormBackward(Buffer dOut, Buffer h, Buffer mean, Buffer rstd, Parameter gamma,
    Buffer dH, Parameter beta, int width) implements KernelOp {
  @Override
  public String kernel() {
    return "layerNormBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(dOut, Access.READ), new Arg.Buf(h, Access.READ),
        new Arg.Buf(mean, Access.READ), new Arg.Buf(rstd, Access.READ), new Arg.Param(gamma),
        new Arg.Buf(dH, dH.equals(dOut) ? Access.UPDATE : Access.WRITE), new Arg.Grad(gamma),
        new Arg.Grad(beta), new Arg.Dim(Extent.TOKENS, 1), new Arg.IntConst(width));
  }
}
