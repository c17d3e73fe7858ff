package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Parameter;
import java.util.List;

/** {@code Kernels.hierarchicalPositionsBackward}: the position table's gradient accumulates. */
public record HierarchicalPositionsBackward(Buffer dOut, Parameter table, int rows, int width,
    float alpha) implements KernelOp {
  @Override
  public String kernel() {
    return "hierarchicalPositionsBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Batch(), new Arg.SeqLength(), new Arg.Buf(dOut, Access.READ),
        new Arg.IntConst(rows), new Arg.IntConst(width), new Arg.FloatConst(alpha),
        new Arg.Grad(table));
  }
}
