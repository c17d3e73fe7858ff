package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import java.util.List;

/**
 * {@code Kernels.copyColumns} in a column slice's backward: dx[:, column …] = dOut, overwriting those
 * columns only; the first slice's write starts dx's value, the others' update it ({@code shared}).
 */
public record ColumnSliceBackward(Buffer dOut, Buffer dx, boolean shared, int column, Extent rows)
    implements KernelOp {
  @Override
  public String kernel() {
    return "copyColumns";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(dOut, Access.READ), new Arg.IntConst(dOut.width()),
        new Arg.IntConst(0), new Arg.Buf(dx, shared ? Access.UPDATE : Access.WRITE), new Arg.IntConst(dx.width()),
        new Arg.IntConst(column), new Arg.Dim(rows, 1), new Arg.IntConst(dOut.width()));
  }
}
