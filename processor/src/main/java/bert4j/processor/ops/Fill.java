package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.fill}: sets a buffer to a constant (a gradient that is then accumulated in parts). */
public record Fill(Buffer target, float value) implements KernelOp {
  @Override
  public String kernel() {
    return "fill";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(target, Access.WRITE), new Arg.Dim(target.extent(), target.width()),
        new Arg.FloatConst(value));
  }
}
