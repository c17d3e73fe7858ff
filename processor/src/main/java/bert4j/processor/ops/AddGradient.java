package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/**
 * {@code Kernels.add} in the backward: {@code into += from}, where a value's gradient has a
 * contribution that its op's backward kernel cannot add by itself.
 */
public record AddGradient(Buffer from, Buffer into) implements KernelOp {
  @Override
  public String kernel() {
    return "add";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(from, Access.READ), new Arg.Buf(into, Access.UPDATE),
        new Arg.Buf(into, Access.WRITE), new Arg.Dim(into.extent(), into.width()));
  }
}
