package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import java.util.List;

/**
 * {@code Kernels.linearBackward}: dx = dPre·w (or += with {@code accumulate}; none when {@code dx} is
 * null), dw += dPreᵀ·x, dBias += Σ dPre — or dw and dBias written, not added to, without
 * {@code accumulateParams} (where this is their one contribution: {@code GradientZeroing}).
 * {@code stride} is x's row stride, and dx's.
 */
public record LinearBackward(Buffer dPre, Buffer x, Arg stride, Parameter weight, Buffer dx,
    boolean accumulate, Parameter bias, boolean accumulateParams, Extent rows, int in, int outWidth)
    implements KernelOp {
  /** This op writing its weight's and bias's gradients instead of adding to them. */
  public LinearBackward overwritingParams() {
    return new LinearBackward(dPre, x, stride, weight, dx, accumulate, bias, false, rows, in,
        outWidth);
  }

  @Override
  public String kernel() {
    return "linearBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(dPre, Access.READ), new Arg.Buf(x, Access.READ), stride,
        new Arg.Param(weight),
        dx == null ? new Arg.None() : new Arg.Buf(dx, accumulate ? Access.UPDATE : Access.WRITE),
        stride, new Arg.BoolConst(accumulate), new Arg.Grad(weight),
        bias == null ? new Arg.None() : new Arg.Grad(bias), new Arg.BoolConst(accumulateParams),
        new Arg.Dim(rows, 1),
        new Arg.IntConst(in), new Arg.IntConst(outWidth));
  }
}
