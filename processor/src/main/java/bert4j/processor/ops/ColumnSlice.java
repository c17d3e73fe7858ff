package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.copyColumns}: out = columns [column, column + width) of every row of x (q, k or v
 * out of the fused q·k·v product). Backward: dOut copied back into those columns of x's gradient,
 * which the slices of x share, each writing only its own columns ({@link Gradients#columns}).
 */
public record ColumnSlice(Value x, int column, Value out) implements ForwardOp {
  @Override
  public String kernel() {
    return "copyColumns";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(x.buffer(), Access.READ), new Arg.IntConst(x.buffer().width()),
        new Arg.IntConst(column), new Arg.Buf(out.buffer(), Access.WRITE),
        new Arg.IntConst(out.buffer().width()), new Arg.IntConst(0),
        new Arg.Dim(x.buffer().extent(), 1), new Arg.IntConst(out.buffer().width()));
  }

  @Override
  public List<Value> inputs() {
    return List.of(x);
  }

  @Override
  public List<Value> outputs() {
    return List.of(out);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    Gradients.Target dx = gradients.columns(x);
    if (dx != null) {
      gradients.record(new ColumnSliceBackward(gradients.of(out), dx.buffer(), dx.accumulate(),
          column, x.buffer().extent()));
    }
  }
}
